
namespace Traktor.Ecs.Net;

/// <summary>How a client presents a replicated component between snapshots.</summary>
public enum Smoothing : byte
{
    /// <summary>Interpolated between the two snapshots around the render time.</summary>
    Interpolate = 0,

    /// <summary>Applied as received.</summary>
    Snap = 1,

    /// <summary>Predicted locally and corrected (rolled back) on each snapshot.</summary>
    Predict = 2,
}
