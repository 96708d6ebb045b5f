using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>
/// A loopback TCP forwarder between the backend and its database, so a test can take the database away (every
/// connection cut, new ones refused) and give it back, without touching the real server others use.
/// </summary>
internal sealed class TcpForwarder : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private CancellationTokenSource _stop = new();

    public TcpForwarder(IPEndPoint target, int port = 0)
    {
        _target = target;
        Start(port);
    }

    public int Port { get; private set; }

    /// <summary>Cuts every forwarded connection and stops listening: the database is gone.</summary>
    public void Cut()
    {
        _stop.Cancel();
        _listener?.Stop();
        _listener = null;
        lock (_open)
        {
            foreach (var client in _open)
            {
                // A reset, not a polite close: the database vanished. A client its own copy loop already closed has no socket
                // left, and one its copy loop closes right now (the cancel above ends those loops on other threads) throws.
                try
                {
                    if (client.Client is { Connected: true } socket)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                }
                catch (ObjectDisposedException)
                {
                }

                client.Dispose();
            }
            _open.Clear();
        }
    }

    /// <summary>Listens again on the same port: the database is back.</summary>
    public void Restore()
    {
        _stop = new CancellationTokenSource();
        Start(Port);
    }

    private void Start(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        var listener = _listener;
        var stop = _stop.Token;
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                TcpClient inbound;
                try
                {
                    inbound = await listener.AcceptTcpClientAsync(stop);
                }
                catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = ForwardAsync(inbound, stop);
            }
        }, CancellationToken.None);
    }

    private async Task ForwardAsync(TcpClient inbound, CancellationToken stop)
    {
        var outbound = new TcpClient();
        lock (_open)
        {
            _open.Add(inbound);
            _open.Add(outbound);
        }
        try
        {
            await outbound.ConnectAsync(_target, stop);
            var a = inbound.GetStream().CopyToAsync(outbound.GetStream(), stop);
            var b = outbound.GetStream().CopyToAsync(inbound.GetStream(), stop);
            await Task.WhenAny(a, b);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // Cut, or one side closed: both sides go.
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }
}
