namespace Traktor.Ecs.Net.Online;

/// <summary>
/// Per-player save slots with optimistic concurrency and quotas.
/// A resource in the world's service locator (<c>world.Resources</c>).
/// </summary>
/// <remarks>
/// Expected versions: <see cref="CloudSaveVersion.Any"/> ("") writes unconditionally,
/// <see cref="CloudSaveVersion.IfAbsent"/> ("*") writes only if the slot does not exist, and any other
/// value writes only if it is the slot's current version. A failed check is <see cref="OnlineError.VersionConflict"/>.
/// </remarks>
public interface ICloudSave
{
    /// <summary>Writes a slot.</summary>
    /// <param name="userId">The owning player.</param>
    /// <param name="slot">The slot name: 1 to 64 ASCII letters, digits, '_', '-' or '.'.</param>
    /// <param name="data">The bytes to store.</param>
    /// <param name="expectedVersion">"" (last write wins), "*" (only if absent) or an exact version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored slot with its new version.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.VersionConflict"/> when the version check fails; <see cref="OnlineError.QuotaExceeded"/> when the player's bytes or slots would exceed the quota.</exception>
    Task<CloudSaveEntry> PutAsync(long userId, string slot, ReadOnlyMemory<byte> data, string expectedVersion = CloudSaveVersion.Any, CancellationToken cancellationToken = default);

    /// <summary>Reads a slot.</summary>
    /// <param name="userId">The owning player.</param>
    /// <param name="slot">The slot name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The slot with its data, or null if it does not exist.</returns>
    Task<CloudSaveObject?> GetAsync(long userId, string slot, CancellationToken cancellationToken = default);

    /// <summary>Deletes a slot.</summary>
    /// <param name="userId">The owning player.</param>
    /// <param name="slot">The slot name.</param>
    /// <param name="expectedVersion">"" (unconditionally) or the exact version to delete.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True if a slot was deleted; false if there was none (only possible with "").</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.VersionConflict"/> when an exact version does not match or the slot is gone.</exception>
    Task<bool> DeleteAsync(long userId, string slot, string expectedVersion = CloudSaveVersion.Any, CancellationToken cancellationToken = default);

    /// <summary>Lists a player's slots, ordered by name.</summary>
    /// <param name="userId">The owning player.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<CloudSaveEntry>> ListAsync(long userId, CancellationToken cancellationToken = default);
}
