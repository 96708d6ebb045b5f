using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A server connection asleep between keep-alives (ConnectionSchedule) is not flushed, so its byte rates were those of
/// its last flush; they are computed when read, from the time of the read.
/// </summary>
public class SleepingConnectionStatsTests
{
    [Fact]
    public void Byte_rates_read_while_the_connection_sleeps_are_those_of_the_time_of_reading()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1);
        var connection = Assert.Single(h.DrainServer(), e => e.Type == NetEventType.Connected).Connection;
        for (int step = 0; step < 30; step++)
        {
            client.Send(ChannelKind.Unreliable, new byte[500]);
            h.Server.Send(connection, ChannelKind.Unreliable, new byte[500]);
            h.Step();
        }
        Assert.True(h.Server.TryGetStats(connection, out var busy));
        Assert.True(busy.BytesInPerSecond > 500 * 30 && busy.BytesOutPerSecond > 500 * 30, $"{busy.BytesInPerSecond} / {busy.BytesOutPerSecond}");

        // Nothing updates the server for 1.5 s: the whole one-second window has passed since those bytes.
        h.Time.Advance(TimeSpan.FromMilliseconds(1_500));
        Assert.True(h.Server.TryGetStats(connection, out var later));
        Assert.Equal(0, later.BytesInPerSecond);
        Assert.Equal(0, later.BytesOutPerSecond);
        Assert.Equal(busy.BytesReceived, later.BytesReceived);
    }
}
