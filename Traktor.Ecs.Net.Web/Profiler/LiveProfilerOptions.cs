using System.Net;

namespace Traktor.Ecs.Net;

/// <summary>Where and how a <see cref="LiveProfiler"/> serves its page and feed.</summary>
public sealed class LiveProfilerOptions
{
    /// <summary>The HTTP endpoint (default 127.0.0.1, any free port). Bound elsewhere, the profiler requires <see cref="AccessToken"/>.</summary>
    public IPEndPoint EndPoint { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// The secret a viewer must present (<c>?token=</c> in the URL, or <c>Authorization: Bearer</c>). Null on loopback:
    /// none is needed. Null on any other address: a random 128-bit token is generated and is part of <see cref="LiveProfiler.Url"/>.
    /// </summary>
    public string? AccessToken { get; set; }

    /// <summary>How often <see cref="LiveProfiler.Sample"/> takes a sample (default 250 ms); calls in between cost a clock read.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Samples kept and sent to a viewer when it connects, so its charts start full (default 240: a minute at 4 Hz).</summary>
    public int History { get; set; } = 240;

    /// <summary>Viewers (feed WebSockets) at once (default 8); more are answered 503.</summary>
    public int MaxViewers { get; set; } = 8;

    /// <summary>The clock samples are timed with.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(EndPoint);
        if (SampleInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(SampleInterval));
        if (History is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(History));
        if (MaxViewers is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(MaxViewers));
        if (AccessToken is { Length: < 16 }) throw new ArgumentException("An access token has at least 16 characters.", nameof(AccessToken));
    }
}
