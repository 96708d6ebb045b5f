using Traktor.Ecs.Net.Replication;

namespace Traktor.Ecs.Net;

/// <summary>Which entropy coder snapshots use for their deltas (docs/serialization.md compares them).</summary>
public enum DeltaCoder : byte
{
    /// <summary>A static prefix code over 16 value buckets plus raw offset bits: cheapest CPU.</summary>
    Static = 0,

    /// <summary>An adaptive binary range coder with per-packet context models: fewest bytes.</summary>
    Adaptive = 1,
}
