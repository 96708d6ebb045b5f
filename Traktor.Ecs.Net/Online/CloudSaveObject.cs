namespace Traktor.Ecs.Net.Online;

/// <summary>A stored cloud-save slot with its data.</summary>
/// <param name="Entry">The slot's name, version, size and time.</param>
/// <param name="Data">The stored bytes.</param>
public sealed record CloudSaveObject(CloudSaveEntry Entry, byte[] Data);
