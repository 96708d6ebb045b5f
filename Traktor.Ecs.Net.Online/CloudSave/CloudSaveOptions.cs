namespace Traktor.Ecs.Net.Online.CloudSave;

/// <summary>
/// Per-player cloud-save quotas. Each has a range, checked by <see cref="Validate"/> when a <see cref="CloudSaveService"/>
/// is made (the backend checks its settings against the same limits at startup).
/// </summary>
public sealed class CloudSaveOptions
{
    /// <summary>The most slots one player may hold. Default 32; 1 to <see cref="MaxSlotsPerPlayerLimit"/>.</summary>
    public int MaxSlotsPerPlayer { get; init; } = 32;

    /// <summary>The largest <see cref="MaxSlotsPerPlayer"/>: 10,000 (every listing of a player's slots reads them all).</summary>
    public const int MaxSlotsPerPlayerLimit = 10_000;

    /// <summary>The most bytes one slot may hold. Default 256 KiB; 1 to <see cref="MaxBytesPerSlotLimit"/>.</summary>
    public int MaxBytesPerSlot { get; init; } = 256 * 1024;

    /// <summary>The largest <see cref="MaxBytesPerSlot"/>: 64 MiB (a slot is read and written whole, in one request's memory).</summary>
    public const int MaxBytesPerSlotLimit = 64 * 1024 * 1024;

    /// <summary>
    /// The most bytes all of one player's slots may hold together. Default 2 MiB; 1 to <see cref="MaxBytesPerPlayerLimit"/>.
    /// It may be below <see cref="MaxBytesPerSlot"/>: then no one slot reaches its own quota, and every save is held to both.
    /// </summary>
    public long MaxBytesPerPlayer { get; init; } = 2 * 1024 * 1024;

    /// <summary>The largest <see cref="MaxBytesPerPlayer"/>: 1 GiB (what one account may make the database keep).</summary>
    public const long MaxBytesPerPlayerLimit = 1L << 30;

    /// <summary>Checks the quotas.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A quota is outside its range (the parameter name is the option).</exception>
    public void Validate()
    {
        if (MaxSlotsPerPlayer is < 1 or > MaxSlotsPerPlayerLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxSlotsPerPlayer), MaxSlotsPerPlayer, $"MaxSlotsPerPlayer must be 1 to {MaxSlotsPerPlayerLimit} (MaxSlotsPerPlayerLimit).");
        if (MaxBytesPerSlot is < 1 or > MaxBytesPerSlotLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxBytesPerSlot), MaxBytesPerSlot, $"MaxBytesPerSlot must be 1 to {MaxBytesPerSlotLimit} (MaxBytesPerSlotLimit).");
        if (MaxBytesPerPlayer is < 1 or > MaxBytesPerPlayerLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxBytesPerPlayer), MaxBytesPerPlayer, $"MaxBytesPerPlayer must be 1 to {MaxBytesPerPlayerLimit} (MaxBytesPerPlayerLimit).");
    }
}
