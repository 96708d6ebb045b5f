using System.Globalization;
using Traktor.Ecs.Net.Sessions;

namespace Demo.Fleet;

/// <summary>
/// The sessions that ended under the bots while they played (a server lost or drained, a session ended by the game) and
/// what became of those players: the rejoins the bots made on their own, which the end-of-run counts alone hide.
/// </summary>
/// <param name="ByReason">How many distinct sessions ended, by the directory's typed reason (<see cref="SessionEndReason"/>):
/// a session with several bots in it counts once.</param>
/// <param name="BotsTold">How many times a bot was told its session ended (one per bot and session).</param>
/// <param name="Rejoined">Of those, the times the bot was connected in another session afterwards.</param>
/// <param name="SlowestRejoinSeconds">The longest time from being told to playing again, or null with no rejoin.</param>
public sealed record SessionEnds(IReadOnlyDictionary<string, int> ByReason, int BotsTold, int Rejoined, double? SlowestRejoinSeconds)
{
    /// <summary>The distinct sessions that ended under the bots.</summary>
    public int Sessions => ByReason.Values.Sum();

    /// <summary>One line for the summary and the report: the sessions by reason, the bots told and their rejoins, or "none".</summary>
    public string Describe() => Sessions == 0
        ? "sessions ended under the bots: none"
        : string.Create(CultureInfo.InvariantCulture,
            $"sessions ended under the bots: {Sessions} ({string.Join(", ", ByReason.Select(r => $"{r.Key} {r.Value}"))}); bots told: {BotsTold}, rejoined another session: {Rejoined}{(SlowestRejoinSeconds is { } slowest ? $", slowest {slowest:F1} s after being told" : "")}");

    /// <summary>The ends of <paramref name="losses"/> (every bot's, in any order).</summary>
    public static SessionEnds Of(IEnumerable<SessionLoss> losses)
    {
        var all = losses.ToList();
        // One session ends once, with one reason, however many bots it had: each bot's loss is that end told to it. Should
        // its bots have been told different reasons, the first one told is the session's.
        var byReason = all.GroupBy(l => l.SessionId, StringComparer.Ordinal)
            .Select(session => session.MinBy(l => l.ToldAt)!.Reason.ToString())
            .GroupBy(reason => reason).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        var rejoins = all.Where(l => l.PlayingAgainAt is not null).Select(l => l.PlayingAgainAt!.Value - l.ToldAt).ToList();
        return new SessionEnds(byReason, all.Count, rejoins.Count, rejoins.Count > 0 ? rejoins.Max() : null);
    }
}
