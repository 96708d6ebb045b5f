using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// <see cref="NetPeerOptions.Timeout"/> has an upper end and the byte queues a range (the options audit attack review 29
/// left). Before, <see cref="TimeSpan.MaxValue"/> was taken as the timeout (in insecure mode, where no token's timeout
/// applies, a vanished peer held its connection and its server slot for good), <see cref="NetPeerOptions.MaxUnreliableQueueBytes"/>
/// was not checked at all (zero dropped every unreliable message, the server's snapshots too), and the queues took up to
/// 2 GiB each. The per-update counts' upper ends are refused here too (<see cref="PeerCountLimitValidationTests"/>).
/// </summary>
public sealed class PeerTimeoutAndQueueOptionsValidationTests
{
    public static TheoryData<string, object> BadValues => new()
    {
        { nameof(NetPeerOptions.Timeout), TimeSpan.FromDays(1) + TimeSpan.FromTicks(1) },
        { nameof(NetPeerOptions.Timeout), TimeSpan.MaxValue },
        { nameof(NetPeerOptions.MaxUnreliableQueueBytes), 0 },
        { nameof(NetPeerOptions.MaxUnreliableQueueBytes), -1 },
        { nameof(NetPeerOptions.MaxUnreliableQueueBytes), NetPeerOptions.MaxUnreliableQueueBytesLimit + 1 },
        { nameof(NetPeerOptions.MaxSendQueueBytes), NetPeerOptions.MaxSendQueueBytesLimit + 1 },
        { nameof(NetPeerOptions.MaxSendQueueBytes), int.MaxValue },
        { nameof(NetPeerOptions.MaxQueuedMessageBytes), NetPeerOptions.MaxQueuedMessageBytesLimit + 1 },
        { nameof(NetPeerOptions.MaxQueuedMessageBytes), int.MaxValue },
        { nameof(NetPeerOptions.MaxPacketsPerUpdate), 4097 },
        { nameof(NetPeerOptions.MaxPacketsPerUpdate), int.MaxValue },
        { nameof(NetPeerOptions.MaxDatagramsPerUpdate), 1_048_577 },
        { nameof(NetPeerOptions.MaxDatagramsPerConnection), 65_537 },
        { nameof(NetPeerOptions.MaxQueuedMessages), 1_048_577 },
        { nameof(NetPeerOptions.MaxQueuedMessages), int.MaxValue },
        { nameof(NetPeerOptions.ViolationLimit), 1025 },
        { nameof(NetPeerOptions.ViolationLimit), int.MaxValue },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_server_refuses_the_value_when_it_is_made(string option, object value)
    {
        var options = new NetServerOptions { ProtocolId = 1, Insecure = true };
        typeof(NetServerOptions).GetProperty(option)!.SetValue(options, value);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new NetServer(new InMemoryNetwork().CreateTransport(), options, new FakeTimeProvider(), ownsTransport: true));
        Assert.Equal(option, refused.ParamName);
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_client_refuses_the_value_when_it_is_made(string option, object value)
    {
        var options = new NetClientOptions { ProtocolId = 1, Insecure = true };
        typeof(NetClientOptions).GetProperty(option)!.SetValue(options, value);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new NetClient(new InMemoryNetwork().CreateTransport(), options, new FakeTimeProvider(), ownsTransport: true));
        Assert.Equal(option, refused.ParamName);
    }

    [Fact]
    public void The_bounds_themselves_are_taken()
    {
        var options = new NetServerOptions
        {
            ProtocolId = 1,
            Insecure = true,
            Timeout = NetPeerOptions.TimeoutLimit,
            MaxUnreliableQueueBytes = NetPeerOptions.MaxUnreliableQueueBytesLimit,
            MaxSendQueueBytes = NetPeerOptions.MaxSendQueueBytesLimit,
            MaxQueuedMessageBytes = NetPeerOptions.MaxQueuedMessageBytesLimit,
        };
        using var server = new NetServer(new InMemoryNetwork().CreateTransport(), options, new FakeTimeProvider(), ownsTransport: true);
        using var client = new NetClient(new InMemoryNetwork().CreateTransport(), new NetClientOptions { ProtocolId = 1, Insecure = true, MaxUnreliableQueueBytes = 1 },
            new FakeTimeProvider(), ownsTransport: true);
    }
}
