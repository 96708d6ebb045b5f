using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Traktor.Ecs.Net.Transport.Streams;
using Traktor.Ecs.Net.Web.Hosting;

namespace Traktor.Ecs.Net.Tests.Web;

/// <summary>
/// The web hosts embedded in a game (live profiler, WebSocket transport) leave SIGTERM and Ctrl+C to the game. With the
/// default console lifetime, a SIGTERM that reached the Demo while its profiler was binding cancelled the bind and
/// crashed the process with an unhandled TaskCanceledException instead of ending the run and writing the report
/// (seen in CI by DemoShutdownTests); after start, the signal silently stopped the profiler under the game's feet.
/// </summary>
public class EmbeddedHostSignalTests
{
    [Fact]
    public void The_live_profiler_does_not_hook_the_process_signals()
    {
        using var profiler = LiveProfiler.Start();
        Assert.IsType<EmbeddedHostLifetime>(profiler.HostServices.GetRequiredService<IHostLifetime>());
    }

    [Fact]
    public void The_WebSocket_transport_does_not_hook_the_process_signals()
    {
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), new StreamTransportOptions());
        Assert.IsType<EmbeddedHostLifetime>(server.HostServices.GetRequiredService<IHostLifetime>());
    }
}
