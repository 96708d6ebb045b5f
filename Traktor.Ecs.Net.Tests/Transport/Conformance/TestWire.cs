using Traktor.Ecs.Net;
using System.Diagnostics;
using System.Net;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Conformance;

/// <summary>
/// Creates the server and client transports of one <see cref="WireKind"/> for a test harness, all on loopback, and
/// lets the harness wait for datagrams in flight on real sockets so virtual time stays meaningful.
/// </summary>
internal sealed class TestWire : IDisposable
{
    private readonly List<SettlingTransport> _settling = [];
    private readonly TimeProvider _time;
    private long _sent;
    private long _pumped;

    public TestWire(WireKind kind, TimeProvider time)
    {
        Kind = kind;
        _time = time;
    }

    public WireKind Kind { get; }

    /// <summary>The in-memory network (only for <see cref="WireKind.InMemory"/>; spoofing tests need it).</summary>
    public InMemoryNetwork Network { get; } = new();

    public IDatagramTransport CreateServer() => Kind switch
    {
        WireKind.InMemory => Network.CreateTransport(),
        WireKind.Udp => Settling(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0))),
        WireKind.Tcp => Settling(TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), time: _time)),
        WireKind.WebSocket => Settling(WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), time: _time)),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    public IDatagramTransport CreateClient() => Kind switch
    {
        WireKind.InMemory => Network.CreateTransport(),
        WireKind.Udp => Settling(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0))),
        WireKind.Tcp => Settling(TcpTransport.CreateClient(time: _time)),
        WireKind.WebSocket => Settling(WebSocketClientTransport.CreateClient(time: _time)),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    private SettlingTransport Settling(IDatagramTransport inner)
    {
        var transport = new SettlingTransport(inner, this);
        lock (_settling) _settling.Add(transport);
        return transport;
    }

    internal void OnSent() => Interlocked.Increment(ref _sent);

    internal void OnPumped(int count) => Interlocked.Add(ref _pumped, count);

    /// <summary>
    /// Waits (wall time) until every datagram handed to a socket has arrived at its receiver, or until nothing has
    /// arrived for a while (a datagram to a closed peer never will): 25 ms for UDP, where the kernel hands datagrams
    /// over at once, and 1 s for the stream transports, whose connects and thread hops can stall on a busy machine
    /// (they lose a datagram only when both ends are closing, so the long wait is rare).
    /// </summary>
    public void Settle()
    {
        if (Kind == WireKind.InMemory) return;
        var clock = Stopwatch.StartNew();
        long lastPumped = -1;
        var lastProgress = TimeSpan.Zero;
        while (true)
        {
            SettlingTransport[] transports;
            lock (_settling) transports = _settling.ToArray();
            foreach (var transport in transports) OnPumped(transport.Pump());
            long pumped = Interlocked.Read(ref _pumped);
            if (pumped >= Interlocked.Read(ref _sent)) return;
            if (pumped != lastPumped)
            {
                lastPumped = pumped;
                lastProgress = clock.Elapsed;
            }
            else if (clock.Elapsed - lastProgress > Grace)
            {
                Interlocked.Exchange(ref _sent, pumped); // those are lost; do not wait for them again next time
                return;
            }
            Thread.Yield();
        }
    }

    private TimeSpan Grace => Kind == WireKind.Udp ? TimeSpan.FromMilliseconds(25) : TimeSpan.FromSeconds(1);

    /// <summary>Stops waiting for <paramref name="transport"/> (it was disposed).</summary>
    public void Forget(IDatagramTransport transport)
    {
        lock (_settling) _settling.RemoveAll(t => ReferenceEquals(t, transport));
    }

    public void Dispose()
    {
        lock (_settling) _settling.Clear();
    }
}
