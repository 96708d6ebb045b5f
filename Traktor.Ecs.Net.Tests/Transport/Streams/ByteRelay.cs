using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// A man in the middle for one stream: a client connects to <see cref="EndPoint"/>, the relay opens its own stream to
/// the server and copies bytes both ways on each <see cref="Pump"/>, until the test stops forwarding the client's and
/// speaks on the server's stream itself (<see cref="SendToServer"/>): a player whose modified client takes over a stream
/// it connected honestly. Non-blocking, driven from the test's thread.
/// </summary>
internal sealed class ByteRelay : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _server;
    private readonly byte[] _buffer = new byte[65536];
    private Socket? _client;

    public ByteRelay(IPEndPoint server)
    {
        _server = server;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        _listener.Blocking = false;
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    /// <summary>Where the client connects.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The relay's stream to the server (null until the client connected).</summary>
    public Socket? Server { get; private set; }

    /// <summary>The server has sent the client something.</summary>
    public bool RepliedToClient { get; private set; }

    /// <summary>Whether the client's bytes still reach the server.</summary>
    public bool ForwardClient { get; set; } = true;

    /// <summary>Accepts the client when it arrives and copies what is waiting each way; false once a side has closed.</summary>
    public bool Pump()
    {
        if (_client is null)
        {
            if (!_listener.Poll(0, SelectMode.SelectRead)) return true;
            _client = _listener.Accept();
            _client.Blocking = false;
            _client.NoDelay = true;
            Server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            Server.Connect(_server);
            Server.Blocking = false;
        }
        bool open = true;
        if (ForwardClient) open &= Copy(_client, Server!);
        open &= Copy(Server!, _client, toClient: true);
        return open;
    }

    /// <summary>Writes <paramref name="bytes"/> on the server's stream as if the client had.</summary>
    public void SendToServer(ReadOnlySpan<byte> bytes)
    {
        Server!.Blocking = true;
        Server.Send(bytes);
        Server.Blocking = false;
    }

    private bool Copy(Socket from, Socket to, bool toClient = false)
    {
        while (true)
        {
            int read = from.Receive(_buffer, 0, _buffer.Length, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) return true;
            if (error != SocketError.Success || read == 0) return false;
            RepliedToClient |= toClient;
            to.Blocking = true;
            to.Send(_buffer, 0, read, SocketFlags.None, out error);
            to.Blocking = false;
            if (error != SocketError.Success) return false;
        }
    }

    public void Dispose()
    {
        _client?.Dispose();
        Server?.Dispose();
        _listener.Dispose();
    }
}
