using System.Numerics;

namespace Traktor.Ecs.Net.Bench.Serialization;

/// <summary>A typical moving entity: millimetre positions, 10-bit rotations, centimetre-per-second velocities.</summary>
[Replicated]
public struct BenchTransform
{
    /// <summary>Metres.</summary>
    [Range(-512, 512)]
    [Quantize(0.001f)]
    public Vector3 Position;

    /// <summary>Orientation.</summary>
    [Bits(10)]
    public Quaternion Rotation;

    /// <summary>Metres per second.</summary>
    [Range(-64, 64)]
    [Quantize(0.01f)]
    public Vector3 Velocity;
}
