using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>
/// Everything a tick queues for a client (snapshot, input status, RPCs, acks) leaves in one packet: the plugins
/// receive without sending in BeforeUpdate and flush once in AfterUpdate, and the input status is queued before
/// that flush. Before, the status went out after the flush and left alone at the next receive: two packets a tick.
/// </summary>
public class PacketsPerTickTests
{
    private const int Ticks = 300;

    [Fact]
    public void EachTickSendsOnePacketToEachClientAndEachClientOneToTheServer()
    {
        foreach (var player in Play(snapshotRate: 0, seed: 70))
        {
            Assert.InRange(player.ToClient, Ticks - 2, Ticks + 2);
            Assert.InRange(player.FromClient, Ticks - 2, Ticks + 2);
        }
    }

    /// <summary>
    /// At half the tick rate a client gets one packet every second tick, the snapshot with the input status in it (the
    /// status waits for the snapshot instead of leaving alone in between), while its inputs still go every tick.
    /// </summary>
    [Fact]
    public void AtHalfTheTickRateEachClientGetsOnePacketEverySecondTickAndStillSendsEveryTick()
    {
        foreach (var player in Play(snapshotRate: 30, seed: 80))
        {
            Assert.InRange(player.ToClient, (Ticks / 2) - 2, (Ticks / 2) + 2);
            // The client measures the server's pace from snapshot ticks, which now come in steps of two: its rate wanders
            // by a percent or so more than at the full rate before the input status trims it.
            Assert.InRange(player.FromClient, Ticks - 6, Ticks + 6);
            Assert.InRange(player.SnapshotSpacing, 1.9, 2.1);
        }
    }

    /// <summary>Three players fly for <see cref="Ticks"/> ticks after warming up; what each one's packets and status did.</summary>
    private static List<PlayerTraffic> Play(int snapshotRate, int seed)
    {
        using var game = new PredictionGame(new LinkConditions { LatencyMs = 40 }, snapshotRate: snapshotRate);
        var players = Enumerable.Range(1, 3).Select(seat => game.Join(seat, seed: seed + seat, input: tick => new MoveInput { X = 1 })).ToList();
        Assert.True(game.Setup.TickUntil(() => players.All(p => game.ClientShip(p) != Entity.Null), 600));
        game.Setup.Tick(60);

        var serverWire = game.Setup.Harness.ServerWire;
        var clientWires = game.Setup.Harness.ClientWires;
        serverWire.Enabled = true;
        clientWires.ForEach(w => w.Enabled = true);
        var statusBefore = players.ToDictionary(p => p.Seat, p => game.Inputs.CountersFor(game.Connections[p.Seat]).StatusMessages);
        game.Setup.Tick(Ticks);

        var traffic = new List<PlayerTraffic>();
        foreach (var player in players)
        {
            var counters = game.Inputs.CountersFor(game.Connections[player.Seat]);
            Assert.True(counters.Used >= Ticks - 10, "inputs stopped");
            Assert.InRange(player.Prediction.ServerBufferedTicks, 0, 6); // the status still arrives

            // In the snapshot's header (TRKNET11): no status message of its own while every send tick has a snapshot.
            Assert.Equal(statusBefore[player.Seat], counters.StatusMessages);
            var address = game.Setup.Harness.ClientLinks[player.Seat - 1].LocalAddress;
            traffic.Add(new PlayerTraffic(
                serverWire.Sent.Count(s => s.Peer == address),
                clientWires[player.Seat - 1].Sent.Count,
                player.Client.Replication.Clock.SnapshotSpacingTicks));
        }

        return traffic;
    }

    private sealed record PlayerTraffic(int ToClient, int FromClient, double SnapshotSpacing);
}
