namespace Traktor.Ecs.Net.Online;

/// <summary>A stored cloud-save slot, without its data.</summary>
/// <param name="Slot">The slot name.</param>
/// <param name="Version">The opaque version of the stored data; pass it back to write only over this exact data.</param>
/// <param name="Size">The data's size in bytes.</param>
/// <param name="UpdatedAt">When the slot was last written.</param>
public sealed record CloudSaveEntry(string Slot, string Version, int Size, DateTimeOffset UpdatedAt);
