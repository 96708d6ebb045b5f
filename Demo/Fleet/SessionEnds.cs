using System.Globalization;
using Traktor.Ecs.Net.Sessions;

namespace Demo.Fleet;

/// <summary>
/// The sessions that ended under the bots while they played (a server lost or drained, a session ended by the game) and
/// what became of those players: the rejoins the bots made on their own, which the end-of-run counts alone hide.
/// </summary>
/// <param name="ByReason">How many ends the bots were told, by the directory's typed reason (<see cref="SessionEndReason"/>).</param>
/// <param name="Rejoined">Ends after which the bot was connected in another session.</param>
/// <param name="SlowestRejoinSeconds">The longest time from being told to playing again, or null with no rejoin.</param>
public sealed record SessionEnds(IReadOnlyDictionary<string, int> ByReason, int Rejoined, double? SlowestRejoinSeconds)
{
    /// <summary>No session ended under a bot.</summary>
    public static SessionEnds None { get; } = new(new Dictionary<string, int>(), 0, null);

    /// <summary>All ends the bots were told.</summary>
    public int Told => ByReason.Values.Sum();

    /// <summary>One line for the summary and the report: the ends by reason and the rejoins, or "none".</summary>
    public string Describe() => Told == 0
        ? "sessions ended under the bots: none"
        : string.Create(CultureInfo.InvariantCulture,
            $"sessions ended under the bots: {Told} ({string.Join(", ", ByReason.Select(r => $"{r.Key} {r.Value}"))}); rejoined another session: {Rejoined}{(SlowestRejoinSeconds is { } slowest ? $", slowest {slowest:F1} s after being told" : "")}");

    /// <summary>The ends of <paramref name="losses"/> (every bot's, in any order).</summary>
    public static SessionEnds Of(IEnumerable<SessionLoss> losses)
    {
        var all = losses.ToList();
        var byReason = all.GroupBy(l => l.Reason.ToString()).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        var rejoins = all.Where(l => l.PlayingAgainAt is not null).Select(l => l.PlayingAgainAt!.Value - l.ToldAt).ToList();
        return new SessionEnds(byReason, rejoins.Count, rejoins.Count > 0 ? rejoins.Max() : null);
    }
}
