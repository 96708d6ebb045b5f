namespace Traktor.Ecs.Net.Serialization;

/// <summary>A rotation in smallest-three form (see <see cref="SmallestThree"/>).</summary>
/// <param name="LargestIndex">Which component (0 = X … 3 = W) was dropped.</param>
/// <param name="A">First remaining component's code.</param>
/// <param name="B">Second remaining component's code.</param>
/// <param name="C">Third remaining component's code.</param>
public readonly record struct QuantizedQuaternion(byte LargestIndex, uint A, uint B, uint C);
