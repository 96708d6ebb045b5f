
namespace Traktor.Ecs.Net;

/// <summary>
/// Marks a component struct for state replication. The Traktor.Ecs.Net generator emits a snapshot
/// struct and a serializer for it and gives it a network type id.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
public sealed class ReplicatedAttribute : Attribute
{
    /// <summary>Priority weight: accumulated per tick not sent; higher is sent sooner. Default 1.</summary>
    public int Importance { get; set; } = 1;

    /// <summary>
    /// Maximum sends per second of an entity with this type (an entity is sent at the fastest rate of its types); 0 means
    /// every network tick. Default 0. Clients present an entity sent less often than snapshots at a longer
    /// interpolation delay (<see cref="Replication.Timing.ServerTickEstimator.InterpolationDelayTicksFor"/>).
    /// </summary>
    public int SendRate { get; set; }

    /// <summary>Which connections receive it. Default <see cref="Traktor.Ecs.Net.Audience.All"/>.</summary>
    public Audience Audience { get; set; } = Audience.All;

    /// <summary>How clients present it. Default <see cref="Traktor.Ecs.Net.Smoothing.Interpolate"/>.</summary>
    public Smoothing Smoothing { get; set; } = Smoothing.Interpolate;
}
