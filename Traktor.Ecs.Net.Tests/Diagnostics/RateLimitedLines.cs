using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Diagnostics;

/// <summary>
/// Reads the lines a <c>RateLimitedLog</c> owner wrote: how many, and how many events they tell of together. A first line
/// tells of its own event plus the ones held back before it (its pattern's group 1); a held-back line tells of its count
/// (its pattern's group 1). A test asserts the told total equals the events counted, so none went unsaid.
/// </summary>
internal static class RateLimitedLines
{
    /// <summary>The lines of <paramref name="level"/> matching either pattern, and the events they tell of.</summary>
    /// <param name="log">The owner's logger.</param>
    /// <param name="level">The lines' level.</param>
    /// <param name="firstLine">A line carrying one event, group 1 the events held back before it.</param>
    /// <param name="heldBackLine">A line carrying only held-back events, group 1 their count.</param>
    public static (int Lines, long Told) Count(CapturingLogger log, LogLevel level, Regex firstLine, Regex heldBackLine)
    {
        int lines = 0;
        long told = 0;
        lock (log.Lines)
        {
            foreach (var (lineLevel, message) in log.Lines)
            {
                if (lineLevel != level) continue;
                if (firstLine.Match(message) is { Success: true } first)
                {
                    lines++;
                    told += 1 + long.Parse(first.Groups[1].Value, CultureInfo.InvariantCulture);
                }
                else if (heldBackLine.Match(message) is { Success: true } held)
                {
                    lines++;
                    told += long.Parse(held.Groups[1].Value, CultureInfo.InvariantCulture);
                }
            }
        }

        return (lines, told);
    }
}
