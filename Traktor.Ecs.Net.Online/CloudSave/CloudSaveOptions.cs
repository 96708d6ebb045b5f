namespace Traktor.Ecs.Net.Online.CloudSave;

/// <summary>Per-player cloud-save quotas.</summary>
public sealed class CloudSaveOptions
{
    /// <summary>The most slots one player may hold.</summary>
    public int MaxSlotsPerPlayer { get; init; } = 32;

    /// <summary>The most bytes one slot may hold.</summary>
    public int MaxBytesPerSlot { get; init; } = 256 * 1024;

    /// <summary>The most bytes all of one player's slots may hold together.</summary>
    public long MaxBytesPerPlayer { get; init; } = 2 * 1024 * 1024;
}
