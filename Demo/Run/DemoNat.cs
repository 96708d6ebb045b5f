using System.Net;
using Traktor.Ecs.Net;

namespace Demo.Run;

/// <summary>
/// The <c>--nat</c> runs: every player (the host and each bot) behind a simulated NAT of its own whose mappings are real
/// UDP sockets on loopback, so the processes meet only through an introducer, exactly as players behind home routers do
/// (docs/P2P.md "NAT traversal"). Full-cone, address- and port-restricted NATs punch; a symmetric one is relayed.
/// </summary>
public static class DemoNat
{
    /// <summary>A player's socket: <see cref="NatTraversal"/> over a simulated NAT of <paramref name="kind"/>.</summary>
    public static NatTraversal Behind(NatKind kind, NetAddress introducer)
    {
        var nat = new NatSimulator(() => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), kind, TimeProvider.System);
        return new NatTraversal(nat, new NatTraversalOptions { Introducer = introducer });
    }

    /// <summary>True once the traversal found its way to the host: punched (<see cref="NatPath.Direct"/>) or relayed.</summary>
    public static bool Reached(NatTraversal traversal) =>
        !traversal.HostAddress.IsNone && traversal.GetPath(traversal.HostAddress) is NatPath.Direct or NatPath.Relayed;

    /// <summary>The <c>--introducer</c> mode: an introducer on 127.0.0.1:<c>--port</c> until the duration ends or the process is stopped.</summary>
    public static async Task<int> RunIntroducerAsync(DemoOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        using var introducer = new Introducer(new UdpTransport(new IPEndPoint(IPAddress.Loopback, options.Port)));
        output.WriteLine($"introducer on udp://{introducer.LocalAddress} for {options.DurationSeconds:F0} s: "
            + $"--host --nat KIND --introducer-address {introducer.LocalAddress} registers with it");
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        using var running = new IntroducerThread(introducer);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.DurationSeconds), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: stop as at the end of the duration.
        }

        running.Dispose();
        output.WriteLine($"introducer done: {introducer.Introductions} introductions, {introducer.Relayed} datagrams relayed ({introducer.RelayedBytes} bytes)");
        return 0;
    }
}

/// <summary>Runs an <see cref="Introducer"/> on a thread of its own (it is one socket, polled every millisecond) until disposed.</summary>
public sealed class IntroducerThread : IDisposable
{
    private readonly Thread thread;
    private volatile bool stopping;

    /// <summary>Starts serving <paramref name="introducer"/>.</summary>
    public IntroducerThread(Introducer introducer)
    {
        Introducer = introducer;
        thread = new Thread(() =>
        {
            while (!stopping)
            {
                introducer.Update();
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "introducer" };
        thread.Start();
    }

    /// <summary>The introducer served.</summary>
    public Introducer Introducer { get; }

    /// <summary>Stops the thread (the introducer stays open).</summary>
    public void Dispose()
    {
        stopping = true;
        thread.Join();
    }
}
