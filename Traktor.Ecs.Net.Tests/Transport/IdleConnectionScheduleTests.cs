using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The server's tick visits an idle connection only at its keep-alive and its timeout (ConnectionSchedule): the same
/// scenario run with every connection visited every tick, as before, must send the same packets at the same ticks, time the
/// same connection out at the same tick, and deliver the same events, at the boundaries too.
/// </summary>
public class IdleConnectionScheduleTests
{
    /// <summary>
    /// Client 1 sends a message each step; client 2 is updated but sends nothing (only keep-alives and acks), gets a reliable
    /// message now and then, then falls silent and times out. Returns every step's packets per client, events and the
    /// connections the tick would visit next.
    /// </summary>
    private static (List<string> Trace, List<int> Scheduled) Run(bool visitEvery, double stepMs)
    {
        using var h = new TransportHarness();
        var active = h.Connect(1);
        var idle = h.Connect(2);
        h.DrainServer();
        h.Server.VisitEveryConnection = visitEvery;
        h.ServerWire.Enabled = true;
        var ids = new Dictionary<NetAddress, int> { [h.ClientLinks[0].LocalAddress] = 1, [h.ClientLinks[1].LocalAddress] = 2 };
        var trace = new List<string>();
        var scheduled = new List<int>();
        var idleId = h.Server.ConnectionOf(2)!.Id;
        int steps = (int)(13_000 / stepMs);
        for (int step = 0; step < steps; step++)
        {
            double at = step * stepMs;
            h.Time.Advance(TimeSpan.FromTicks((long)(stepMs * TimeSpan.TicksPerMillisecond)));
            h.Wire.Settle();
            active.Send(ChannelKind.Unreliable, [(byte)step]);
            active.Update();
            if (at < 2_000) idle.Update(); // then silent: the server keeps it alive, then times it out
            h.Wire.Settle();
            h.Server.Receive();
            if (step % 97 == 0 && at < 1_500) h.Server.Send(idleId, ChannelKind.ReliableOrdered, [(byte)step]); // acknowledged before the silence
            h.Server.Flush();
            // In each client's order; the order between clients within a tick is no behaviour (nor kept).
            foreach (var (data, peer) in h.ServerWire.Sent.OrderBy(s => ids[s.Peer])) trace.Add($"{step}: {data.Length} B to {ids[peer]}");
            h.ServerWire.Sent.Clear();
            var events = new List<NetEvent>();
            while (h.Server.TryPollEvent(out var e)) events.Add(e);
            foreach (var e in events.OrderBy(e => e.ClientId)) trace.Add($"{step}: {e.Type} {e.ClientId} {e.Reason} {e.Data.Length}");
            scheduled.Add(h.Server.ScheduledConnections);
        }
        return (trace, scheduled);
    }

    [Theory]
    [InlineData(4.0)] // 25 steps a keep-alive interval: ticks land exactly on the keep-alive and the timeout
    [InlineData(7.0)] // they fall between ticks
    [InlineData(16.0)]
    public void An_idle_connection_left_alone_sends_and_times_out_at_the_same_ticks_as_one_visited_every_tick(double stepMs)
    {
        var (before, _) = Run(visitEvery: true, stepMs);
        var (after, scheduled) = Run(visitEvery: false, stepMs);

        Assert.Contains(before, line => line.Contains(": Disconnected 2 TimedOut", StringComparison.Ordinal));
        Assert.Equal(before, after);
        // Silent client 2 was left alone between its keep-alives: only client 1, which sends every step, was due.
        int silentFrom = (int)(3_000 / stepMs), silentTo = (int)(9_000 / stepMs);
        Assert.Contains(scheduled.Skip(silentFrom).Take(silentTo - silentFrom), due => due == 1);
    }
}
