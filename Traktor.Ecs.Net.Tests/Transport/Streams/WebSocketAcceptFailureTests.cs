using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Web.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// What the WebSocket server closes or loses before a channel exists is counted and logged at Debug: connections
/// without a request in time (Kestrel's own timeouts for them counted nowhere), upgrades whose connection was gone,
/// and exceptions while accepting (before: an HTTP 500 logged as an application error, counted nowhere).
/// </summary>
public sealed class WebSocketAcceptFailureTests
{
    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes(
        "GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    [Fact]
    public async Task A_connection_without_a_request_in_time_is_closed_on_the_transports_clock_counted_and_logged()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var log = new CapturingLogger();
        using var server = WebSocketServerTransport.Listen(Loopback, new StreamTransportOptions(), null, "/traktor", time, new CapturingLoggerFactory(log), kestrelLimits: null);
        var cancel = TestContext.Current.CancellationToken;
        using var silent = await ConnectAsync(server);
        using var partial = await ConnectAsync(server);
        await partial.SendAsync("GET /traktor HTTP/1.1\r\nHost: x\r\n"u8.ToArray(), SocketFlags.None, cancel);
        using var upgraded = await ConnectAsync(server);
        await upgraded.SendAsync(Upgrade, SocketFlags.None, cancel);
        Assert.StartsWith("HTTP/1.1 101", await HeadAsync(upgraded));
        await WaitAsync(() => server.ConnectionCount == 3);
        Assert.Equal(0, server.Counters.RequestTimeouts);

        // Kestrel's own timeouts run on the wall clock at twice the deadline: only the transport's clock closes these.
        for (int second = 0; second < 8 && server.Counters.RequestTimeouts < 2; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await WaitAsync(() => server.Counters.RequestTimeouts == 2, seconds: 0.5);
        }
        Assert.Equal(2, server.Counters.RequestTimeouts);
        Assert.True(await ClosedAsync(silent));
        Assert.True(await ClosedAsync(partial));
        await WaitAsync(() => server.ConnectionCount == 1);
        Assert.Equal(1, server.ConnectionCount); // the upgraded one is untouched
        Assert.Equal(0, server.Counters.AcceptFailures);
        lock (log.Lines) Assert.Equal(2, log.Lines.Count(line => line.Level == LogLevel.Debug && line.Message.Contains("no request within", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_upgrade_whose_connection_is_gone_is_counted_logged_and_gives_its_admission_back()
    {
        var log = new CapturingLogger();
        int upgrades = 0;
        using var server = WebSocketServerTransport.Listen(Loopback, new StreamTransportOptions { MaxConnections = 1 }, null, "/traktor", null,
            new CapturingLoggerFactory(log), kestrelLimits: null, step: (context, at) =>
            {
                if (at != AcceptStep.Upgrading || Interlocked.Increment(ref upgrades) > 1) return;
                // The peer leaves while its upgrade is under way: Kestrel aborts the request and the upgrade throws.
                context.Abort();
                throw new OperationCanceledException("the connection is gone");
            });
        using (var gone = await ConnectAsync(server))
        {
            await gone.SendAsync(Upgrade, SocketFlags.None, TestContext.Current.CancellationToken);
            Assert.True(await ClosedAsync(gone));
        }
        await WaitAsync(() => server.Counters.AcceptFailures == 1);
        await AssertCountedAtDebugAndGivenBackAsync(server, log, "its connection is gone");
    }

    [Fact]
    public async Task An_exception_while_accepting_is_answered_500_counted_logged_at_debug_and_gives_its_admission_back()
    {
        var log = new CapturingLogger();
        int upgrades = 0;
        using var server = WebSocketServerTransport.Listen(Loopback, new StreamTransportOptions { MaxConnections = 1 }, null, "/traktor", null,
            new CapturingLoggerFactory(log), kestrelLimits: null, step: (_, at) =>
            {
                if (at == AcceptStep.Upgrading && Interlocked.Increment(ref upgrades) == 1) throw new IOException("accepting failed");
            });
        using (var failed = await ConnectAsync(server))
        {
            await failed.SendAsync(Upgrade, SocketFlags.None, TestContext.Current.CancellationToken);
            Assert.StartsWith("HTTP/1.1 500", await HeadAsync(failed));
            Assert.True(await ClosedAsync(failed));
        }
        await AssertCountedAtDebugAndGivenBackAsync(server, log, "failed");
    }

    /// <summary>
    /// Before its channel exists (its constructor allocates the peer's buffers) or once the gate holds it, a failure left
    /// the admission taken for good: the address's and the server's only slot (failed before: the next upgrade from the
    /// same address was answered 503, counted as refused).
    /// </summary>
    [Theory]
    [InlineData(nameof(AcceptStep.Admitted))]
    [InlineData(nameof(AcceptStep.Bound))]
    public async Task A_failure_before_the_upgrade_is_answered_500_counted_and_gives_the_addresses_slot_back(string step)
    {
        var failing = Enum.Parse<AcceptStep>(step);
        var log = new CapturingLogger();
        int failures = 0;
        using var server = WebSocketServerTransport.Listen(Loopback, new StreamTransportOptions { MaxConnections = 1, MaxConnectionsPerAddress = 1, MaxConnectionsPerSubnet = 1 },
            null, "/traktor", null, new CapturingLoggerFactory(log), kestrelLimits: null, step: (_, at) =>
            {
                if (at == failing && Interlocked.Increment(ref failures) == 1) throw new InsufficientExecutionStackException("no room for the channel");
            });
        using (var failed = await ConnectAsync(server))
        {
            await failed.SendAsync(Upgrade, SocketFlags.None, TestContext.Current.CancellationToken);
            Assert.StartsWith("HTTP/1.1 500", await HeadAsync(failed));
            Assert.True(await ClosedAsync(failed));
        }
        await AssertCountedAtDebugAndGivenBackAsync(server, log, "failed");
    }

    /// <summary>
    /// An exception out of a channel's run comes after the upgrade: the channel failed, it was not an accept failure
    /// (failed before: counted in AcceptFailures). The run ended the channel, so the game loop closes it and its slot
    /// goes to the next peer.
    /// </summary>
    [Fact]
    public async Task An_exception_from_an_accepted_channels_run_is_a_channel_failure_not_an_accept_failure()
    {
        var log = new CapturingLogger();
        int runs = 0;
        using var server = WebSocketServerTransport.Listen(Loopback, new StreamTransportOptions { MaxConnections = 1 }, null, "/traktor", null,
            new CapturingLoggerFactory(log), kestrelLimits: null, step: (_, at) =>
            {
                if (at == AcceptStep.Ran && Interlocked.Increment(ref runs) == 1) throw new IOException("the run failed");
            });
        var buffer = new byte[2048];
        using (var accepted = await ConnectAsync(server))
        {
            await accepted.SendAsync(Upgrade, SocketFlags.None, TestContext.Current.CancellationToken);
            Assert.StartsWith("HTTP/1.1 101", await HeadAsync(accepted));
            await WaitAsync(() =>
            {
                server.TryReceive(buffer, out _, out _);
                return server.StreamCount == 1;
            });
            Assert.Equal(1, server.StreamCount);
        } // the peer leaves: the run ends, and the hook throws out of it
        await WaitAsync(() =>
        {
            server.TryReceive(buffer, out _, out _);
            return server.Counters.ChannelFailures == 1 && server.StreamCount == 0;
        });
        Assert.Equal((1L, 0L, 0, 0L), (server.Counters.ChannelFailures, server.Counters.AcceptFailures, server.StreamCount, server.Counters.Refused));
        lock (log.Lines)
        {
            Assert.DoesNotContain(log.Lines, line => line.Level >= LogLevel.Warning);
            Assert.Contains(log.Lines, line => line.Level == LogLevel.Debug && line.Message.Contains("failed after it was accepted", StringComparison.Ordinal));
        }

        using var next = await ConnectAsync(server);
        await next.SendAsync(Upgrade, SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.StartsWith("HTTP/1.1 101", await HeadAsync(next));
    }

    /// <summary>
    /// One accept failure counted (no refusal), logged at Debug with <paramref name="message"/> and nothing at Warning or
    /// above, and its admission given back: the server's only channel goes to the next peer.
    /// </summary>
    private static async Task AssertCountedAtDebugAndGivenBackAsync(WebSocketServerTransport server, CapturingLogger log, string message)
    {
        Assert.Equal((1L, 0L), (server.Counters.AcceptFailures, server.Counters.Refused));
        lock (log.Lines)
        {
            Assert.DoesNotContain(log.Lines, line => line.Level >= LogLevel.Warning);
            Assert.Contains(log.Lines, line => line.Level == LogLevel.Debug && line.Message.Contains(message, StringComparison.Ordinal));
        }

        using var next = await ConnectAsync(server);
        await next.SendAsync(Upgrade, SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.StartsWith("HTTP/1.1 101", await HeadAsync(next));
    }

    private static async Task<Socket> ConnectAsync(WebSocketServerTransport server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.LocalEndPoint, TestContext.Current.CancellationToken);
        return socket;
    }

    /// <summary>Reads the answer's head (up to the blank line).</summary>
    private static async Task<string> HeadAsync(Socket socket)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token) == 1)
        {
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    /// <summary>Whether the server closed or reset <paramref name="socket"/> (reading what it sent first), within 30 s.</summary>
    private static async Task<bool> ClosedAsync(Socket socket)
    {
        var buffer = new byte[1024];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0) { }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task WaitAsync(Func<bool> done, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!done() && DateTime.UtcNow < deadline) await Task.Delay(10, TestContext.Current.CancellationToken);
    }
}
