using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>Per-connection input statistics on the server.</summary>
public sealed class InputCounters
{
    /// <summary>Inputs accepted.</summary>
    public long Accepted { get; internal set; }

    /// <summary>Inputs rejected by validation.</summary>
    public long Invalid { get; internal set; }

    /// <summary>Inputs that arrived after their tick was simulated.</summary>
    public long Late { get; internal set; }

    /// <summary>Ticks simulated without a fresh input (the last one was repeated).</summary>
    public long Missing { get; internal set; }

    /// <summary>Messages that were malformed.</summary>
    public long Malformed { get; internal set; }
}
