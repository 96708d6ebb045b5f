using Demo.Bots;
using Demo.Game;

namespace Demo.Run;

/// <summary>Takes every bot's correction and input counts at the start of play and turns the differences at its end into <see cref="ClientHealth"/>.</summary>
public sealed class HealthWindow(IReadOnlyList<BotClient> bots, ArenaServer? server)
{
    private readonly Dictionary<BotClient, Counts> start = new();

    /// <summary>Notes the counts as play begins (connection and spawning are not judged).</summary>
    public void Start()
    {
        foreach (var bot in bots)
        {
            start[bot] = CountsOf(bot);
        }
    }

    /// <summary>The health of every bot over the play phase.</summary>
    public IReadOnlyList<ClientHealth> End(double playedSeconds) => bots.Select(bot =>
    {
        var before = start.GetValueOrDefault(bot);
        var now = CountsOf(bot);
        return new ClientHealth(
            bot.Name,
            playedSeconds,
            Math.Max(0, now.Corrections - before.Corrections),
            Math.Max(0, now.Used - before.Used),
            Math.Max(0, now.Missing - before.Missing),
            Math.Max(0, now.Late - before.Late),
            Math.Max(0, now.Early - before.Early));
    }).ToList();

    private Counts CountsOf(BotClient bot)
    {
        var inputs = server?.InputsOf(bot.PilotId);
        return new Counts(bot.Smoothing.Corrections, inputs?.Used ?? 0, inputs?.Missing ?? 0, inputs?.Late ?? 0, inputs?.Early ?? 0);
    }

    private readonly record struct Counts(long Corrections, long Used, long Missing, long Late, long Early);
}
