using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>Every category's lines into one <see cref="CapturingLogger"/> (for hosts that take a logger factory).</summary>
internal sealed class CapturingLoggerFactory(CapturingLogger logger) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => logger;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
