using System.Diagnostics;
using System.Net;
using LiteNetLib;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// The echo server on LiteNetLib 2.1.5 in its fastest honest configuration: manual mode (no background threads),
/// events raised as packets are read (unsynced), one IPv4 socket per manager. LiteNetLib does not encrypt.
/// </summary>
internal sealed class LiteNetLibEcho : IEchoContender
{
    private const string Key = "echo";
    private readonly EventBasedNetListener _serverListener = new();
    private readonly NetManager _server;
    private readonly (NetManager Manager, NetPeer? Peer, Stopwatch Clock)[] _clients;
    private readonly Stopwatch _serverClock = Stopwatch.StartNew();
    private readonly DeliveryMethod _method;
    private long _echoed;
    private long _returned;

    public LiteNetLibEcho(int clients, bool reliable)
    {
        _method = reliable ? DeliveryMethod.ReliableOrdered : DeliveryMethod.Unreliable;
        _serverListener.ConnectionRequestEvent += request => request.AcceptIfKey(Key);
        _serverListener.NetworkReceiveEvent += (peer, reader, _, _) =>
        {
            peer.Send(reader.GetRemainingBytesSpan(), _method);
            _echoed++;
            reader.Recycle();
        };
        _server = Start(_serverListener);
        _clients = new (NetManager, NetPeer?, Stopwatch)[clients];
        for (int i = 0; i < clients; i++)
        {
            var listener = new EventBasedNetListener();
            listener.NetworkReceiveEvent += (_, reader, _, _) =>
            {
                _returned++;
                reader.Recycle();
            };
            var manager = Start(listener);
            _clients[i] = (manager, manager.Connect("127.0.0.1", _server.LocalPort, Key), Stopwatch.StartNew());
        }
    }

    public long Echoed => Volatile.Read(ref _echoed);

    public long Returned => Volatile.Read(ref _returned);

    private static NetManager Start(EventBasedNetListener listener)
    {
        var manager = new NetManager(listener) { DisconnectTimeout = 60_000, UnsyncedEvents = true, IPv6Enabled = false };
        if (!manager.StartInManualMode(IPAddress.Loopback, IPAddress.IPv6Loopback, 0)) throw new InvalidOperationException("LiteNetLib did not start.");
        return manager;
    }

    public void Connect(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_server.ConnectedPeersCount < _clients.Length || _clients.Any(c => c.Peer!.ConnectionState != ConnectionState.Connected))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{_server.ConnectedPeersCount} of {_clients.Length} LiteNetLib clients connected.");
            ClientsTick(null);
            ServerTick();
            Thread.Sleep(1);
        }
    }

    public void ServerTick() => Update(_server, _serverClock);

    public void ClientsTick(byte[]? message)
    {
        foreach (var (manager, peer, clock) in _clients)
        {
            if (message is not null) peer!.Send(message, _method);
            Update(manager, clock);
        }
    }

    void IEchoContender.ClientsTick(byte[] message) => ClientsTick(message);

    /// <summary>Reads the socket (raising receive events), then updates peers and sends what is queued.</summary>
    private static void Update(NetManager manager, Stopwatch clock)
    {
        manager.PollEvents();
        float elapsed = (float)clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        manager.ManualUpdate(elapsed);
    }

    public void Dispose()
    {
        foreach (var (manager, _, _) in _clients) manager.Stop();
        _server.Stop();
    }
}
