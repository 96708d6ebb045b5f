namespace Traktor.Ecs.Net.Generators;

/// <summary>How a lane is predicted from older baselines.</summary>
internal enum LanePrediction
{
    /// <summary>The newest baseline's value.</summary>
    Hold,

    /// <summary>DeltaPrediction.Predict over the three baselines.</summary>
    Linear,

    /// <summary>Linear only when the quaternion's dropped component is the same in all three baselines.</summary>
    LinearIfSameQuaternionIndex,
}

/// <summary>
/// One member of a generated snapshot. Numeric lanes are <c>int</c> so every delta is a wrapping
/// int subtraction; fixed strings are kept whole.
/// </summary>
/// <param name="Name">Snapshot member name.</param>
/// <param name="Description">What it holds, for the XML doc.</param>
/// <param name="FullWrite">Statement writing <c>snapshot.Name</c> with <c>writer</c>.</param>
/// <param name="FullRead">Expression reading the value with <c>reader</c>.</param>
/// <param name="MaxBits">C# expression for the lane's largest full size in bits.</param>
/// <param name="Prediction">Prediction rule.</param>
/// <param name="StringType">Null for int lanes, else the fixed-string type.</param>
/// <param name="GuardField">For quaternion lanes: the field whose _Index lane guards prediction.</param>
internal sealed record Lane(
    string Name,
    string Description,
    string FullWrite,
    string FullRead,
    string MaxBits,
    LanePrediction Prediction,
    string? StringType = null,
    string? GuardField = null);
