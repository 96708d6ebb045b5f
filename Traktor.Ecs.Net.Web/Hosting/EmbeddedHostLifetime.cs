using Microsoft.Extensions.Hosting;

namespace Traktor.Ecs.Net.Web.Hosting;

/// <summary>
/// The lifetime of a web host embedded in a game process (the live profiler, the WebSocket transport). The default
/// console lifetime hooks SIGTERM and Ctrl+C for the whole process and stops its host on them; a signal that arrived while
/// such a host was starting cancelled its bind and surfaced as an unhandled exception in the game. The process's signals
/// belong to the game, which disposes these objects when it ends, so this lifetime waits for nothing and hooks nothing.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
