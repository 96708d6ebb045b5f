namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// What docs/TRANSPORT.md ("Reading statistics from another thread") promises a game's UI thread: <see cref="NetClient.GetStats"/>,
/// <see cref="NetServer.TryGetStats"/> and <see cref="NetClient.State"/> may be read while the tick thread updates the
/// connection, connects and disconnects it: they never throw, counters that only grow never go back and a share stays a
/// share (values computed from several fields, the rates, may mix two updates: the docs say so). The reader runs until the
/// tick has finished its whole run, so it reads throughout.
/// </summary>
public sealed class StatsReadFromAnotherThreadTests
{
    [Fact]
    public void Stats_read_on_another_thread_while_the_tick_connects_sends_and_disconnects_are_whole_values()
    {
        using var h = new TransportHarness(new LinkConditions { LatencyMs = 20, JitterMs = 5, LossPercent = 10 });
        var client = h.Connect(7, new LinkConditions { LatencyMs = 20, JitterMs = 5, LossPercent = 10 });
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;

        long reads = 0;
        Exception? failure = null;
        using var tickDone = new ManualResetEventSlim();
        using var readerStarted = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            long clientSent = 0, serverReceived = 0;
            try
            {
                while (true)
                {
                    bool last = tickDone.IsSet; // one whole pass after the tick finished, then stop
                    var c = client.GetStats();
                    Check(c);
                    Assert.True(c.PacketsSent >= clientSent || c.PacketsSent == 0, $"client packets went back: {c.PacketsSent} after {clientSent}");
                    clientSent = Math.Max(clientSent, c.PacketsSent);
                    if (h.Server.TryGetStats(id, out var s))
                    {
                        Check(s);
                        Assert.True(s.PacketsReceived >= serverReceived, $"server packets went back: {s.PacketsReceived} after {serverReceived}");
                        serverReceived = s.PacketsReceived;
                    }
                    Assert.True(Enum.IsDefined(client.State), $"state {(int)client.State}");
                    Interlocked.Increment(ref reads);
                    readerStarted.Set();
                    if (last) return;
                }
            }
            catch (Exception e)
            {
                failure = e;
                readerStarted.Set();
            }
        }) { IsBackground = true, Name = "stats reader" };
        reader.Start();
        readerStarted.Wait(TestContext.Current.CancellationToken);

        for (int i = 0; i < 300; i++)
        {
            client.Send(ChannelKind.ReliableOrdered, new byte[200]);
            client.Send(ChannelKind.Unreliable, new byte[100]);
            h.Step();
            h.DrainServer();
            TransportHarness.DrainClient(client);
        }
        client.Disconnect();
        Assert.True(h.RunUntil(() => h.Server.ConnectionCount == 0), "the server kept the connection");
        tickDone.Set();
        reader.Join();

        Assert.Null(failure);
        Assert.True(Interlocked.Read(ref reads) >= 2);
    }

    private static void Check(in NetStats stats)
    {
        Assert.InRange(stats.PacketLossPercent, 0, 100);
        Assert.True(stats.RoundTripTimeMs >= 0 && double.IsFinite(stats.RoundTripTimeMs), $"rtt {stats.RoundTripTimeMs}");
        Assert.True(stats.JitterMs >= 0 && double.IsFinite(stats.JitterMs), $"jitter {stats.JitterMs}");
    }
}
