using System.Net;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>The echo server on Traktor's UDP transport, secure (connect tokens, AEAD) or insecure.</summary>
internal sealed class TraktorEcho : IEchoContender
{
    private const ulong Protocol = 0xEC40;
    private readonly UdpTransport _serverSocket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly NetServer _server;
    private readonly (UdpTransport Socket, NetClient Client)[] _clients;
    private readonly ChannelKind _channel;
    private long _echoed;
    private long _returned;

    public TraktorEcho(int clients, bool secure, bool reliable)
    {
        _channel = reliable ? ChannelKind.ReliableOrdered : ChannelKind.Unreliable;
        byte[] key = ConnectTokenIssuer.GenerateServerKey();
        _server = new NetServer(_serverSocket, new NetServerOptions
        {
            ProtocolId = Protocol,
            PrivateKey = secure ? key : null,
            Insecure = !secure,
            MaxClients = clients,
            // Every client comes from 127.0.0.1: the per-address and per-subnet caps would refuse most of them.
            MaxConnectionsPerAddress = clients,
            MaxConnectionsPerSubnet = clients,
            HandshakeRatePerSecond = clients * 10,
            HandshakeBurst = clients * 2,
        });
        var issuer = new ConnectTokenIssuer(key, Protocol);
        _clients = new (UdpTransport, NetClient)[clients];
        for (int i = 0; i < clients; i++)
        {
            var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
            var client = new NetClient(socket, new NetClientOptions { ProtocolId = Protocol, Insecure = !secure });
            if (secure) client.Connect(issuer.Issue((ulong)i + 1, [], TimeSpan.FromHours(1), [_serverSocket.LocalAddress]));
            else client.ConnectInsecure(_serverSocket.LocalAddress, (ulong)i + 1);
            _clients[i] = (socket, client);
        }
    }

    public long Echoed => Volatile.Read(ref _echoed);

    public long Returned => Volatile.Read(ref _returned);

    public void Connect(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_clients.Any(c => c.Client.State != ClientState.Connected))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{_clients.Count(c => c.Client.State == ClientState.Connected)} of {_clients.Length} Traktor clients connected.");
            foreach (var (_, client) in _clients)
            {
                client.Update();
                while (client.TryPollEvent(out _)) { }
            }

            _server.Update();
            while (_server.TryPollEvent(out _)) { }
            Thread.Sleep(1);
        }
    }

    public void ServerTick()
    {
        _server.Receive();
        long echoed = 0;
        while (_server.TryPollEvent(out var e))
        {
            if (e.Type != NetEventType.Message) continue;
            _server.Send(e.Connection, _channel, e.Data.Span);
            echoed++;
        }

        _server.Flush();
        Interlocked.Add(ref _echoed, echoed);
    }

    public void ClientsTick(byte[] message)
    {
        long returned = 0;
        foreach (var (_, client) in _clients)
        {
            client.Send(_channel, message);
            client.Update();
            while (client.TryPollEvent(out var e)) if (e.Type == NetEventType.Message) returned++;
        }

        Interlocked.Add(ref _returned, returned);
    }

    public void Dispose()
    {
        foreach (var (socket, client) in _clients)
        {
            client.Dispose();
            socket.Dispose();
        }

        _server.Dispose();
        _serverSocket.Dispose();
    }
}
