namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The per-update counts of <see cref="NetPeerOptions"/> have an upper end as well as a lower one (options3). Before,
/// each took any positive int: <see cref="NetPeerOptions.ViolationLimit"/> past 536,870,911 overflowed the score a
/// connection is closed at (limit × 4) and closed every connection at the end of its first update, and
/// <see cref="NetPeerOptions.MaxQueuedMessages"/> at <see cref="int.MaxValue"/> let the event queue's table grow without
/// a useful bound; the others no longer bounded one update's work. The refusals of values past each end are cases of
/// <see cref="PeerTimeoutAndQueueOptionsValidationTests"/>'s server and client theories.
/// </summary>
public sealed class PeerCountLimitValidationTests
{
    /// <summary>The bounds themselves are taken, and a connection at the largest violation limit lives past its first updates.</summary>
    [Fact]
    public void The_bounds_themselves_are_taken_and_the_largest_violation_limit_cuts_no_one()
    {
        using var h = new TransportHarness(configure: o =>
        {
            o.MaxPacketsPerUpdate = 4096;
            o.MaxDatagramsPerUpdate = 1_048_576;
            o.MaxDatagramsPerConnection = 65_536;
            o.MaxQueuedMessages = 1_048_576;
            o.ViolationLimit = 1024;
        });
        var client = h.Connect(1);
        for (int i = 0; i < 10; i++) h.Step();

        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal(1, h.Server.ConnectionCount);
    }

    [Fact]
    public void An_introducer_refuses_more_datagrams_an_update_than_its_bound()
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Introducer(new InMemoryNetwork().CreateTransport(), new IntroducerOptions { MaxDatagramsPerUpdate = 1_048_577 }));
        Assert.Equal(nameof(IntroducerOptions.MaxDatagramsPerUpdate), refused.ParamName);
    }
}
