/** where model time comes from: real elapsed time scaled by speed, or a hand-driven clock for tests */
export interface Clock {
  now(): number;
  readonly speed: number;
  setSpeed(speed: number): void;
}

export class ScaledClock implements Clock {
  private baseModel: number;
  private baseReal: number;
  private currentSpeed: number;

  constructor(
    speed: number,
    startEpoch: number = Date.now(),
    private readonly realNow: () => number = () => performance.now(),
  ) {
    this.currentSpeed = speed;
    this.baseModel = startEpoch;
    this.baseReal = realNow();
  }

  get speed(): number {
    return this.currentSpeed;
  }

  now(): number {
    return this.baseModel + (this.realNow() - this.baseReal) * this.currentSpeed;
  }

  setSpeed(speed: number): void {
    this.baseModel = this.now();
    this.baseReal = this.realNow();
    this.currentSpeed = speed;
  }
}

export class ManualClock implements Clock {
  speed = 1;
  constructor(private t: number = Date.UTC(2025, 0, 6, 9, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  setSpeed(speed: number): void {
    this.speed = speed;
  }
}
