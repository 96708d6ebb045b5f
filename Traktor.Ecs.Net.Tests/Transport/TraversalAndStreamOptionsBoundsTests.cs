using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The introducer's, NAT traversal's and stream transports' options have upper ends as well as lower ones (options3),
/// each refused by its own name. Before, only the lower ends were checked: <see cref="TimeSpan.MaxValue"/> as the
/// introducer's <see cref="IntroducerOptions.HostTimeout"/> kept a vanished host's rendezvous for good, a punch interval
/// past the punch timeout sent one punch, <see cref="int.MaxValue"/> stream buffers took 4 GiB a stream, and a stream
/// transport reported a bad handshake timeout, linger or reconnect delay as <see cref="StreamTransportOptions.IdleTimeout"/>.
/// </summary>
public sealed class TraversalAndStreamOptionsBoundsTests
{
    public static TheoryData<string, object> BadIntroducerValues => new()
    {
        { nameof(IntroducerOptions.MaxRendezvous), 1_048_577 },
        { nameof(IntroducerOptions.MaxRoutes), int.MaxValue },
        { nameof(IntroducerOptions.MaxRoutesPerRendezvous), 65_537 },
        { nameof(IntroducerOptions.MaxRendezvousPerAddress), 65_537 },
        { nameof(IntroducerOptions.MaxRoutesPerAddress), 65_537 },
        { nameof(IntroducerOptions.HostTimeout), TimeSpan.FromDays(1) + TimeSpan.FromTicks(1) },
        { nameof(IntroducerOptions.HostTimeout), TimeSpan.MaxValue },
        { nameof(IntroducerOptions.RouteIdleTimeout), TimeSpan.MaxValue },
    };

    [Theory]
    [MemberData(nameof(BadIntroducerValues))]
    public void An_introducer_refuses_the_value_when_it_is_made(string option, object value)
    {
        var options = new IntroducerOptions();
        typeof(IntroducerOptions).GetProperty(option)!.SetValue(options, value);
        using var socket = new InMemoryNetwork().CreateTransport();

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new Introducer(socket, options, new FakeTimeProvider()));
        Assert.Equal(option, refused.ParamName);
    }

    public static TheoryData<string, object> BadTraversalValues => new()
    {
        { nameof(NatTraversalOptions.PunchTimeout), TimeSpan.FromHours(1) + TimeSpan.FromTicks(1) },
        { nameof(NatTraversalOptions.PunchTimeout), TimeSpan.MaxValue },
        { nameof(NatTraversalOptions.PunchInterval), TimeSpan.FromSeconds(3) }, // past the 2 s punch timeout
        { nameof(NatTraversalOptions.RegisterInterval), TimeSpan.MaxValue },
        { nameof(NatTraversalOptions.RetryInterval), TimeSpan.FromHours(2) },
        { nameof(NatTraversalOptions.MaxPeers), 65_537 },
        { nameof(NatTraversalOptions.MaxControlPacketsPerReceive), int.MaxValue },
    };

    [Theory]
    [MemberData(nameof(BadTraversalValues))]
    public void A_traversal_refuses_the_value_when_it_is_made(string option, object value)
    {
        var network = new InMemoryNetwork();
        using var introducer = network.CreateTransport();
        var options = new NatTraversalOptions { Introducer = introducer.LocalAddress };
        typeof(NatTraversalOptions).GetProperty(option)!.SetValue(options, value);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new NatTraversal(network.CreateTransport(), options, new FakeTimeProvider()));
        Assert.Equal(option, refused.ParamName);
    }

    public static TheoryData<string, object> BadStreamValues => new()
    {
        { nameof(StreamTransportOptions.MaxConnections), 65_537 },
        { nameof(StreamTransportOptions.MaxConnectionsPerAddress), 65_537 },
        { nameof(StreamTransportOptions.MaxConnectionsPerSubnet), int.MaxValue },
        { nameof(StreamTransportOptions.SendBufferBytes), (16 << 20) + 1 },
        { nameof(StreamTransportOptions.ReceiveBufferBytes), int.MaxValue },
        { nameof(StreamTransportOptions.HandshakeTimeout), TimeSpan.Zero },
        { nameof(StreamTransportOptions.HandshakeTimeout), TimeSpan.FromHours(1) + TimeSpan.FromTicks(1) },
        { nameof(StreamTransportOptions.IdleTimeout), TimeSpan.MaxValue },
        { nameof(StreamTransportOptions.CloseLinger), TimeSpan.FromSeconds(-1) },
        { nameof(StreamTransportOptions.CloseLinger), TimeSpan.FromMinutes(2) },
        { nameof(StreamTransportOptions.ReconnectDelay), TimeSpan.FromSeconds(-1) },
        { nameof(StreamTransportOptions.ReconnectDelay), TimeSpan.MaxValue },
        { nameof(StreamTransportOptions.PendingReclaimDelay), TimeSpan.MaxValue },
        { nameof(StreamTransportOptions.AcceptsPerPass), 4097 },
        { nameof(StreamTransportOptions.MaxWebSocketFramesPerMessage), 65_536 },
    };

    [Theory]
    [MemberData(nameof(BadStreamValues))]
    public void A_stream_transport_refuses_the_value_by_its_own_name(string option, object value)
    {
        var options = new StreamTransportOptions();
        typeof(StreamTransportOptions).GetProperty(option)!.SetValue(options, value);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => StreamTransportOptions.Resolve(options));
        Assert.Equal(option, refused.ParamName);
    }

    [Fact]
    public void The_bounds_themselves_are_taken()
    {
        using var socket = new InMemoryNetwork().CreateTransport();
        using var introducer = new Introducer(socket, new IntroducerOptions
        {
            MaxRendezvous = 1_048_576,
            MaxRoutes = 1_048_576,
            MaxRoutesPerRendezvous = 65_536,
            MaxRendezvousPerAddress = 65_536,
            MaxRoutesPerAddress = 65_536,
            HostTimeout = NetPeerOptions.TimeoutLimit,
            RouteIdleTimeout = NetPeerOptions.TimeoutLimit,
        }, new FakeTimeProvider());

        var network = new InMemoryNetwork();
        using var traversal = new NatTraversal(network.CreateTransport(), new NatTraversalOptions
        {
            Introducer = socket.LocalAddress,
            PunchTimeout = NetClientOptions.ConnectTimeoutLimit,
            PunchInterval = NetClientOptions.ConnectTimeoutLimit,
            RegisterInterval = NetClientOptions.ConnectTimeoutLimit,
            RetryInterval = NetClientOptions.ConnectTimeoutLimit,
            MaxPeers = 65_536,
            MaxControlPacketsPerReceive = 1_048_576,
        }, new FakeTimeProvider());

        StreamTransportOptions.Resolve(new StreamTransportOptions
        {
            MaxConnections = 65_536,
            MaxConnectionsPerAddress = 65_536,
            MaxConnectionsPerSubnet = 65_536,
            SendBufferBytes = 16 << 20,
            ReceiveBufferBytes = 16 << 20,
            HandshakeTimeout = NetClientOptions.ConnectTimeoutLimit,
            IdleTimeout = NetPeerOptions.TimeoutLimit,
            CloseLinger = TimeSpan.FromMinutes(1),
            ReconnectDelay = NetClientOptions.ConnectTimeoutLimit,
            PendingReclaimDelay = NetClientOptions.ConnectTimeoutLimit,
            AcceptsPerPass = 4096,
            MaxWebSocketFramesPerMessage = 65_535,
        });
    }
}
