const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const DAYS_LONG = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_LONG = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

const p2 = (n: number): string => String(n).padStart(2, "0");

/** strftime as GNU date does it, in UTC (the VMs run on UTC); `nanos` is the sub-second part */
export function strftime(format: string, ms: number, nanos: number): string {
  const d = new Date(ms);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return format.replace(/%(:?)([a-zA-Z%])/g, (whole, colon: string, c: string) => {
    switch (c) {
      case "Y":
        return String(d.getUTCFullYear());
      case "y":
        return p2(d.getUTCFullYear() % 100);
      case "m":
        return p2(d.getUTCMonth() + 1);
      case "d":
        return p2(d.getUTCDate());
      case "e":
        return String(d.getUTCDate()).padStart(2);
      case "H":
        return p2(d.getUTCHours());
      case "k":
        return String(d.getUTCHours()).padStart(2);
      case "I":
        return p2(d.getUTCHours() % 12 || 12);
      case "l":
        return String(d.getUTCHours() % 12 || 12).padStart(2);
      case "p":
        return d.getUTCHours() < 12 ? "AM" : "PM";
      case "M":
        return p2(d.getUTCMinutes());
      case "S":
        return p2(d.getUTCSeconds());
      case "s":
        return String(Math.floor(ms / 1000));
      case "N":
        return String(nanos).padStart(9, "0");
      case "Z":
        return "UTC";
      case "z":
        return colon ? "+00:00" : "+0000";
      case "a":
        return DAYS[d.getUTCDay()] ?? "";
      case "A":
        return DAYS_LONG[d.getUTCDay()] ?? "";
      case "b":
      case "h":
        return MONTHS[d.getUTCMonth()] ?? "";
      case "B":
        return MONTHS_LONG[d.getUTCMonth()] ?? "";
      case "F":
        return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
      case "T":
        return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
      case "R":
        return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`;
      case "D":
        return `${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${p2(d.getUTCFullYear() % 100)}`;
      case "j":
        return String(Math.floor((ms - start) / 86_400_000) + 1).padStart(3, "0");
      case "u":
        return String(d.getUTCDay() || 7);
      case "w":
        return String(d.getUTCDay());
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "%":
        return "%";
      default:
        return whole;
    }
  });
}

export const DATE_DEFAULT = "%a %b %e %H:%M:%S %Z %Y";
