using System.Diagnostics;
using LiteNetLib;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>The LiteNetLib 2.1.5 baseline over 127.0.0.1 in manual mode: polled on one thread like ours, no background threads.</summary>
internal sealed class LiteNetLibLoopback : IDisposable
{
    private readonly EventBasedNetListener _serverListener = new();
    private readonly EventBasedNetListener _clientListener = new();
    private readonly NetManager _server;
    private readonly NetManager _client;
    private readonly NetPeer _serverSide;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _lastServerUpdate;
    private double _lastClientUpdate;
    private DeliveryMethod _method;
    private int _serverReceived;
    private int _clientReceived;

    public LiteNetLibLoopback()
    {
        _serverListener.ConnectionRequestEvent += request => request.AcceptIfKey("bench");
        _serverListener.NetworkReceiveEvent += (peer, reader, _, _) =>
        {
            if (_echo) peer.Send(reader.GetRemainingBytesSpan(), _method);
            _serverReceived++;
            reader.Recycle();
        };
        _clientListener.NetworkReceiveEvent += (_, reader, _, _) =>
        {
            _clientReceived++;
            reader.Recycle();
        };
        _server = new NetManager(_serverListener) { DisconnectTimeout = 60_000 };
        _client = new NetManager(_clientListener) { DisconnectTimeout = 60_000 };
        _server.StartInManualMode(System.Net.IPAddress.Loopback, System.Net.IPAddress.IPv6Loopback, 0);
        _client.StartInManualMode(System.Net.IPAddress.Loopback, System.Net.IPAddress.IPv6Loopback, 0);
        var clientSide = _client.Connect("127.0.0.1", _server.LocalPort, "bench");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (clientSide.ConnectionState != ConnectionState.Connected || _server.ConnectedPeersCount == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("LiteNetLib loopback did not connect.");
            UpdateClient();
            UpdateServer();
        }
        _serverSide = _server.FirstPeer!;
        _clientPeer = clientSide;
    }

    private readonly NetPeer _clientPeer;
    private bool _echo;

    private void UpdateServer()
    {
        double now = _clock.Elapsed.TotalMilliseconds;
        _server.PollEvents();
        _server.ManualUpdate((float)(now - _lastServerUpdate));
        _lastServerUpdate = now;
    }

    private void UpdateClient()
    {
        double now = _clock.Elapsed.TotalMilliseconds;
        _client.PollEvents();
        _client.ManualUpdate((float)(now - _lastClientUpdate));
        _lastClientUpdate = now;
    }

    public void PingPong(DeliveryMethod method, ReadOnlySpan<byte> message, int count)
    {
        _method = method;
        _echo = true;
        for (int i = 0; i < count; i++)
        {
            int serverBefore = _serverReceived, clientBefore = _clientReceived;
            _clientPeer.Send(message, method);
            UpdateClient();
            while (_serverReceived == serverBefore) UpdateServer();
            UpdateServer();
            while (_clientReceived == clientBefore) UpdateClient();
        }
    }

    public void Batch(ReadOnlySpan<byte> message, int count)
    {
        _echo = false;
        int target = _serverReceived + count;
        for (int i = 0; i < count; i++) _clientPeer.Send(message, DeliveryMethod.ReliableOrdered);
        while (_serverReceived < target)
        {
            UpdateClient();
            UpdateServer();
        }
        GC.KeepAlive(_serverSide);
    }

    public void Dispose()
    {
        _client.Stop();
        _server.Stop();
    }
}
