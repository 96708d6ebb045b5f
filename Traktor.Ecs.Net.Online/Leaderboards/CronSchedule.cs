using System.Globalization;

namespace Traktor.Ecs.Net.Online.Leaderboards;

/// <summary>
/// A 5-field cron expression (minute hour day-of-month month day-of-week), evaluated in UTC.
/// Fields accept <c>*</c>, numbers, ranges <c>a-b</c>, steps <c>*/n</c> and <c>a-b/n</c>, lists
/// <c>a,b</c>, and names (<c>jan</c>…<c>dec</c>, <c>sun</c>…<c>sat</c>); day-of-week 0 and 7 are Sunday.
/// As in classic (Vixie) cron, when both day fields are restricted a day matches if either does; a
/// field that begins with <c>*</c> (including <c>*/2</c>) does not count as restricted, and then both must match.
/// The macros <c>@hourly</c>, <c>@daily</c>, <c>@weekly</c>, <c>@monthly</c> and <c>@yearly</c> are accepted.
/// </summary>
public sealed class CronSchedule
{
    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    // How far back to look for an occurrence: past it a schedule is treated as one that never fires (e.g. 31 February).
    private static readonly TimeSpan SearchHorizon = TimeSpan.FromDays(366 * 8 + 2);

    private readonly bool[] _minutes = new bool[60];
    private readonly bool[] _hours = new bool[24];
    private readonly bool[] _daysOfMonth = new bool[32];
    private readonly bool[] _months = new bool[13];
    private readonly bool[] _daysOfWeek = new bool[7];
    private readonly bool _dayOfMonthRestricted;
    private readonly bool _dayOfWeekRestricted;

    private CronSchedule(string expression, string[] fields)
    {
        Expression = expression;
        ParseField(fields[0], 0, 59, _minutes, null, "minute");
        ParseField(fields[1], 0, 23, _hours, null, "hour");
        ParseField(fields[2], 1, 31, _daysOfMonth, null, "day of month");
        ParseField(fields[3], 1, 12, _months, MonthNames, "month");
        var daysOfWeek = new bool[8];
        ParseField(fields[4], 0, 7, daysOfWeek, DayNames, "day of week");
        for (int day = 0; day < 7; day++)
        {
            _daysOfWeek[day] = daysOfWeek[day];
        }
        _daysOfWeek[0] |= daysOfWeek[7];
        _dayOfMonthRestricted = !fields[2].StartsWith('*');
        _dayOfWeekRestricted = !fields[4].StartsWith('*');
    }

    /// <summary>The expression as given.</summary>
    public string Expression { get; }

    /// <summary>Parses an expression.</summary>
    /// <param name="expression">Five whitespace-separated fields or a macro.</param>
    /// <exception cref="OnlineException"><see cref="OnlineError.InvalidArgument"/> with the offending field.</exception>
    public static CronSchedule Parse(string expression)
    {
        if (string.IsNullOrWhiteSpace(expression) || expression.Length > 100)
        {
            throw OnlineException.Invalid("A cron expression must be 1 to 100 characters.");
        }
        string expanded = expression.Trim().ToLowerInvariant() switch
        {
            "@hourly" => "0 * * * *",
            "@daily" or "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            "@yearly" or "@annually" => "0 0 1 1 *",
            var other => other,
        };
        string[] fields = expanded.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            throw OnlineException.Invalid($"Cron expression '{expression}' must have 5 fields (minute hour day-of-month month day-of-week).");
        }
        var schedule = new CronSchedule(expression, fields);
        if (schedule.TryGetPreviousOccurrence(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)) is null)
        {
            throw OnlineException.Invalid($"Cron expression '{expression}' never fires.");
        }
        return schedule;
    }

    /// <summary>The latest time at or before <paramref name="time"/> (to the minute, UTC) the schedule fires.</summary>
    /// <param name="time">The reference time.</param>
    /// <exception cref="InvalidOperationException">The schedule has not fired in the last eight years.</exception>
    public DateTimeOffset GetPreviousOccurrence(DateTimeOffset time) =>
        TryGetPreviousOccurrence(time) ?? throw new InvalidOperationException($"Cron schedule '{Expression}' has not fired in eight years before {time:O}.");

    /// <summary>The earliest time strictly after <paramref name="time"/> the schedule fires, or null if not within eight years.</summary>
    /// <param name="time">The reference time.</param>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var candidate = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, DateTimeKind.Utc).AddMinutes(1);
        var limit = candidate + SearchHorizon;
        while (candidate < limit)
        {
            if (!_months[candidate.Month])
            {
                candidate = new DateTime(candidate.Year, candidate.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
            }
            else if (!DayMatches(candidate))
            {
                candidate = candidate.Date.AddDays(1);
            }
            else if (!_hours[candidate.Hour])
            {
                candidate = new DateTime(candidate.Year, candidate.Month, candidate.Day, candidate.Hour, 0, 0, DateTimeKind.Utc).AddHours(1);
            }
            else if (!_minutes[candidate.Minute])
            {
                candidate = candidate.AddMinutes(1);
            }
            else
            {
                return new DateTimeOffset(candidate);
            }
        }
        return null;
    }

    /// <summary>The latest time at or before <paramref name="time"/> the schedule fires, or null if not within eight years.</summary>
    /// <param name="time">The reference time.</param>
    public DateTimeOffset? TryGetPreviousOccurrence(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var candidate = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, DateTimeKind.Utc);
        var limit = candidate - SearchHorizon;
        // Each miss jumps to the last minute of the previous month, day or hour, so a yearly schedule takes a few dozen steps, not half a million.
        while (candidate > limit)
        {
            if (!_months[candidate.Month])
            {
                candidate = new DateTime(candidate.Year, candidate.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(-1);
            }
            else if (!DayMatches(candidate))
            {
                candidate = candidate.Date.AddMinutes(-1);
            }
            else if (!_hours[candidate.Hour])
            {
                candidate = new DateTime(candidate.Year, candidate.Month, candidate.Day, candidate.Hour, 0, 0, DateTimeKind.Utc).AddMinutes(-1);
            }
            else if (!_minutes[candidate.Minute])
            {
                candidate = candidate.AddMinutes(-1);
            }
            else
            {
                return new DateTimeOffset(candidate);
            }
        }
        return null;
    }

    private bool DayMatches(DateTime day)
    {
        bool dayOfMonth = _daysOfMonth[day.Day];
        bool dayOfWeek = _daysOfWeek[(int)day.DayOfWeek];
        return _dayOfMonthRestricted && _dayOfWeekRestricted ? dayOfMonth || dayOfWeek : dayOfMonth && dayOfWeek;
    }

    private static void ParseField(string field, int min, int max, bool[] target, string[]? names, string what)
    {
        foreach (string part in field.Split(','))
        {
            string rangePart = part;
            int step = 1;
            int slash = part.IndexOf('/');
            if (slash >= 0)
            {
                step = ParseNumber(part[(slash + 1)..], 1, max, null, what);
                rangePart = part[..slash];
            }
            int low, high;
            if (rangePart == "*")
            {
                (low, high) = (min, max);
            }
            else if (rangePart.IndexOf('-') is var dash and > 0)
            {
                low = ParseNumber(rangePart[..dash], min, max, names, what);
                high = ParseNumber(rangePart[(dash + 1)..], min, max, names, what);
                if (high < low)
                {
                    throw OnlineException.Invalid($"Cron {what} range '{rangePart}' runs backwards.");
                }
            }
            else
            {
                low = ParseNumber(rangePart, min, max, names, what);
                // "5/15" means from 5 to the end in steps of 15, as in common cron implementations.
                high = slash >= 0 ? max : low;
            }
            for (int value = low; value <= high; value += step)
            {
                target[value] = true;
            }
        }
    }

    private static int ParseNumber(string text, int min, int max, string[]? names, string what)
    {
        if (names is not null)
        {
            int index = Array.IndexOf(names, text);
            if (index >= 0)
            {
                // Month names start at 1, day names at 0 (Sunday).
                return names.Length == 12 ? index + 1 : index;
            }
        }
        if (text.Length is 0 or > 2 || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw OnlineException.Invalid($"Cron {what} value '{text}' must be {min} to {max}.");
        }
        return value;
    }
}
