using System.Numerics;

namespace Traktor.Ecs.Net.Bench.Serialization;

/// <summary>
/// One cube of the cube demo, quantized like Glenn Fiedler's: positions to 2 mm over ±256 m,
/// rotations as smallest-three with 9 bits per component, plus the "interacting" flag.
/// </summary>
[Replicated]
public struct CubeState
{
    /// <summary>Centre of the cube, metres.</summary>
    [Range(-256, 256)]
    [Quantize(0.002f)]
    public Vector3 Position;

    /// <summary>Orientation.</summary>
    [Bits(9)]
    public Quaternion Rotation;

    /// <summary>True while the cube moves (touched by the player or a blast).</summary>
    public bool Interacting;
}
