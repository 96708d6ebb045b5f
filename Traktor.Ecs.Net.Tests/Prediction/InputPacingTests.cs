using System.Numerics;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>
/// Input pacing on virtual time: whatever the machine or the link does, a client's inputs must reach the server
/// shortly before their tick, neither late (the server repeats the last input and the client mispredicts) nor so
/// early that the server cannot hold them. The loop below paces like the Demo's: one thread ticks every client and
/// then the server, sleeps when early, and skips ahead when it is more than 0.25 s behind.
/// </summary>
public class InputPacingTests
{
    private const double TickSeconds = 1.0 / 60;

    [Fact]
    public void AnOverloadedLoopThatTicksTheServerSlowerThanRealTimeStillGetsEveryInputInTime()
    {
        // 25 ms of work per iteration: the server ticks at 40 Hz while the clients' clocks follow real time.
        AssertInputsArriveInTime(new LinkConditions { LatencyMs = 50, JitterMs = 2.5, LossPercent = 2 }, players: 4,
            game => new PacedLoop(game, iterationMs: 25), maxMissingShare: 0.05, maxCorrectionsPerSecond: 2);
    }

    [Fact]
    public void StallsOfTheWholeLoopAreRecoveredFrom()
    {
        // Every 3 s the process stalls 0.4 s (a GC pause, a starved machine): the loop skips ahead afterwards.
        AssertInputsArriveInTime(new LinkConditions { LatencyMs = 50, JitterMs = 2.5, LossPercent = 2 }, players: 4,
            game => new PacedLoop(game, iterationMs: 4) { StallEverySeconds = 3, StallMs = 400 }, maxMissingShare: 0.10, maxCorrectionsPerSecond: 3);
    }

    [Fact]
    public void AJitteryLinkGetsABufferDeepEnoughForItsJitter()
    {
        // ±30 ms of jitter around 60 ms one way: a 2-tick buffer (33 ms) is too shallow, so the client must run further ahead.
        AssertInputsArriveInTime(new LinkConditions { LatencyMs = 60, JitterMs = 30, LossPercent = 1 }, players: 2,
            game => new PacedLoop(game, iterationMs: 2), maxMissingShare: 0.05, maxCorrectionsPerSecond: 2);
    }

    /// <summary>
    /// Joins <paramref name="players"/> steering players over <paramref name="link"/>, runs the loop until their ships
    /// arrive, then 20 s more, and checks every player's share of server ticks without its input and its correction rate.
    /// </summary>
    private static void AssertInputsArriveInTime(LinkConditions link, int players, Func<PredictionGame, PacedLoop> loopFor,
        double maxMissingShare, double maxCorrectionsPerSecond)
    {
        using var game = new PredictionGame(link);
        var joined = Join(game, players);
        var loop = loopFor(game);
        Assert.True(loop.RunUntil(() => joined.All(p => game.ClientShip(p.Player) != Entity.Null), 20), "the ships never reached the clients");

        var health = Measure(game, joined, loop, seconds: 20);

        foreach (var h in health)
        {
            Assert.True(h.MissingShare <= maxMissingShare, $"{h}: too many server ticks without input");
            Assert.True(h.CorrectionsPerSecond <= maxCorrectionsPerSecond, $"{h}: a corrections storm");
        }
    }

    [Fact]
    public void AClientFarTooEarlyIsToldSoAndStepsBack()
    {
        // The client starts 40 ticks ahead of where it should be (beyond what the server holds): the server must say
        // so instead of silently dropping its inputs, and the client must come back within a few seconds.
        using var game = new PredictionGame(new LinkConditions { LatencyMs = 30 });
        var players = Join(game, 1);
        var loop = new PacedLoop(game, iterationMs: 2);
        Assert.True(loop.RunUntil(() => game.ClientShip(players[0].Player) != Entity.Null, 20));
        loop.Run(2);
        var prediction = players[0].Player.Prediction;
        prediction.PredictedTick += 40;

        loop.Run(3);
        var connection = game.Connections[players[0].Player.Seat];
        Assert.True(game.Inputs.CountersFor(connection).Early > 0, "the server never saw the early inputs");
        var health = Measure(game, players, loop, seconds: 5);
        Assert.True(health[0].MissingShare <= 0.02, $"{health[0]}: still not back in time");
        Assert.InRange(game.Inputs.BufferedTicks(connection), 0, 8);
    }

    private static List<Pacer> Join(PredictionGame game, int count)
    {
        var players = new List<Pacer>();
        for (int seat = 1; seat <= count; seat++)
        {
            var smoothing = new PredictionSmoothing<ShipBody>(b => new Vector3(b.Position, 0), snapDistance: 100f, minimumCorrection: 0.02f);
            int phase = seat;

            // A steering input that changes every tick: a repeated (missing) input mispredicts at once.
            var player = game.Join(seat, seed: 100 + seat, input: tick => new MoveInput { X = MathF.Cos((tick + (phase * 17)) / 9f), Y = MathF.Sin((tick + (phase * 17)) / 9f) }, smoothing);
            players.Add(new Pacer(player, smoothing));
        }

        return players;
    }

    private static List<Health> Measure(PredictionGame game, List<Pacer> players, PacedLoop loop, double seconds)
    {
        var before = players.Select(p => (Counters: Copy(game.Inputs.CountersFor(game.Connections[p.Player.Seat])), Corrections: p.Smoothing.Corrections)).ToList();
        long serverTicks = loop.ServerTicks;
        loop.Run(seconds);
        long ticks = loop.ServerTicks - serverTicks;
        var health = players.Select((p, i) =>
        {
            var now = game.Inputs.CountersFor(game.Connections[p.Player.Seat]);
            return new Health(
                p.Player.Seat,
                ticks,
                (now.Missing - before[i].Counters.Missing) / (double)ticks,
                (p.Smoothing.Corrections - before[i].Corrections) / seconds,
                now.Late - before[i].Counters.Late,
                now.Early - before[i].Counters.Early,
                p.Player.Prediction.HoldsBack,
                p.Player.Prediction.JumpsAhead);
        }).ToList();
        health.ForEach(h => TestContext.Current.TestOutputHelper?.WriteLine(h.ToString()));
        return health;
    }

    private static InputCounters Copy(InputCounters counters) => new()
    {
        Accepted = counters.Accepted,
        Late = counters.Late,
        Missing = counters.Missing,
        Early = counters.Early,
    };

    private sealed record Pacer(PredictionGame.Player Player, PredictionSmoothing Smoothing);

    private sealed record Health(int Seat, long ServerTicks, double MissingShare, double CorrectionsPerSecond, long Late, long Early, long HoldsBack, long JumpsAhead);

    /// <summary>The Demo's game loop on virtual time, with a cost per iteration and optional periodic stalls.</summary>
    private sealed class PacedLoop(PredictionGame game, double iterationMs)
    {
        private double nextTickAt;
        private double nextStallAt = double.MaxValue;

        public double StallEverySeconds { get; init; }

        public double StallMs { get; init; }

        public long ServerTicks { get; private set; }

        private double Seconds => (game.Setup.Harness.Time.GetUtcNow() - Transport.TransportHarness.Start).TotalSeconds;

        public void Run(double seconds) => RunUntil(() => false, seconds);

        public bool RunUntil(Func<bool> done, double seconds)
        {
            if (StallEverySeconds > 0 && nextStallAt == double.MaxValue)
            {
                nextStallAt = Seconds + StallEverySeconds;
            }

            double until = Seconds + seconds;
            nextTickAt = Math.Max(nextTickAt, Seconds);
            while (Seconds < until)
            {
                if (done())
                {
                    return true;
                }

                Iterate();
                nextTickAt += TickSeconds;
                double wait = nextTickAt - Seconds;
                if (wait > 0.001)
                {
                    Advance(wait * 1000);
                }
                else if (wait < -0.25)
                {
                    nextTickAt = Seconds;
                }
            }

            return done();
        }

        private void Iterate()
        {
            var setup = game.Setup;
            float dt = (float)TickSeconds;
            setup.Harness.Wire.Settle();
            foreach (var (_, _, group) in setup.Clients)
            {
                group.Tick(in dt);
            }

            // The work of the iteration takes time, spread over the clients and the server.
            Advance(iterationMs / 2);
            setup.Harness.Wire.Settle();
            setup.ServerGroup.Tick(in dt);
            ServerTicks++;
            Advance(iterationMs / 2);
            if (Seconds >= nextStallAt)
            {
                Advance(StallMs);
                nextStallAt += StallEverySeconds;
            }
        }

        private void Advance(double milliseconds) => game.Setup.Harness.Time.Advance(TimeSpan.FromMilliseconds(milliseconds));
    }
}
