using System.Data.Common;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online.CloudSave;

/// <summary>
/// <see cref="ICloudSave"/> on an <see cref="OnlineDatabase"/>. Each write locks the player's usage row
/// first, so version checks and quota checks of one player's concurrent writes happen one at a time
/// even on PostgreSQL. Versions are random, so a slot deleted and written again never repeats an old version.
/// </summary>
public sealed class CloudSaveService : ICloudSave
{
    private const int MaxVersionLength = 64;

    private readonly OnlineDatabase _database;
    private readonly CloudSaveOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the service.</summary>
    /// <param name="database">The migrated store.</param>
    /// <param name="options">Quotas; the defaults when null.</param>
    /// <param name="time">The clock that stamps writes.</param>
    /// <param name="logger">Where events are logged.</param>
    public CloudSaveService(OnlineDatabase database, CloudSaveOptions? options = null, TimeProvider? time = null, ILogger<CloudSaveService>? logger = null)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        _options = options ?? new CloudSaveOptions();
        // Checked before the first write: a quota of zero or less refused every save, and one past its limit let a
        // player make the database keep gigabytes. The options are init-only, so the object kept cannot change later.
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The quotas in force.</summary>
    public CloudSaveOptions Options => _options;

    /// <inheritdoc/>
    public Task<CloudSaveEntry> PutAsync(long userId, string slot, ReadOnlyMemory<byte> data, string expectedVersion = CloudSaveVersion.Any, CancellationToken cancellationToken = default) =>
        PutAsync(userId, slot, data, expectedVersion, requireExisting: false, cancellationToken);

    /// <summary>Writes a slot; with <paramref name="requireExisting"/> only over an existing slot, whatever its version (HTTP's <c>If-Match: *</c>).</summary>
    internal async Task<CloudSaveEntry> PutAsync(long userId, string slot, ReadOnlyMemory<byte> data, string expectedVersion, bool requireExisting, CancellationToken cancellationToken)
    {
        CheckSlot(userId, slot, expectedVersion);
        if (data.Length > _options.MaxBytesPerSlot)
        {
            throw new OnlineException(OnlineError.QuotaExceeded, $"A slot holds at most {_options.MaxBytesPerSlot} bytes.");
        }
        byte[] bytes = data.ToArray();
        string version = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var entry = await _database.WriteAsync(async (connection, transaction) =>
        {
            var (slots, totalBytes) = await LockUsageAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);
            var existing = await ReadVersionAsync(connection, transaction, userId, slot, cancellationToken).ConfigureAwait(false);
            CheckVersion(expectedVersion, existing?.Version, allowIfAbsent: true);
            if (requireExisting && existing is null)
            {
                throw new OnlineException(OnlineError.VersionConflict, "The slot does not exist, so it cannot be replaced.");
            }
            long newSlots = slots + (existing is null ? 1 : 0);
            long newBytes = totalBytes - (existing?.Size ?? 0) + bytes.Length;
            if (newSlots > _options.MaxSlotsPerPlayer)
            {
                throw new OnlineException(OnlineError.QuotaExceeded, $"A player holds at most {_options.MaxSlotsPerPlayer} slots.");
            }
            if (newBytes > _options.MaxBytesPerPlayer)
            {
                throw new OnlineException(OnlineError.QuotaExceeded, $"A player's slots hold at most {_options.MaxBytesPerPlayer} bytes together.");
            }
            (string, object?)[] values = [("@u", userId), ("@s", slot), ("@v", version), ("@d", bytes), ("@n", (long)bytes.Length), ("@t", nowMs)];
            if (existing is null)
            {
                await connection.ExecuteAsync(transaction,
                    "INSERT INTO cloud_saves (user_id, slot, version, data, size, updated_at) VALUES (@u, @s, @v, @d, @n, @t)",
                    cancellationToken, values).ConfigureAwait(false);
            }
            else
            {
                await connection.ExecuteAsync(transaction,
                    "UPDATE cloud_saves SET version = @v, data = @d, size = @n, updated_at = @t WHERE user_id = @u AND slot = @s",
                    cancellationToken, values).ConfigureAwait(false);
            }
            await UpdateUsageAsync(connection, transaction, userId, newSlots, newBytes, cancellationToken).ConfigureAwait(false);
            return new CloudSaveEntry(slot, version, bytes.Length, DateTimeOffset.FromUnixTimeMilliseconds(nowMs));
        }, cancellationToken).ConfigureAwait(false);
        OnlineMetrics.CloudSaveBytesWritten.Add(bytes.Length);
        _logger.LogDebug("User {UserId} wrote slot {Slot} ({Bytes} bytes)", userId, slot, bytes.Length);
        return entry;
    }

    /// <inheritdoc/>
    public Task<CloudSaveObject?> GetAsync(long userId, string slot, CancellationToken cancellationToken = default)
    {
        CheckSlot(userId, slot, CloudSaveVersion.Any);
        return _database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync(null,
            "SELECT slot, version, size, updated_at, data FROM cloud_saves WHERE user_id = @u AND slot = @s",
            reader => new CloudSaveObject(ReadEntry(reader), (byte[])reader.GetValue(4)), cancellationToken, ("@u", userId), ("@s", slot)), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteAsync(long userId, string slot, string expectedVersion = CloudSaveVersion.Any, CancellationToken cancellationToken = default)
    {
        CheckSlot(userId, slot, expectedVersion);
        if (expectedVersion == CloudSaveVersion.IfAbsent)
        {
            throw OnlineException.Invalid("\"*\" (only if absent) makes no sense for a delete; use \"\" or an exact version.");
        }
        return await _database.WriteAsync(async (connection, transaction) =>
        {
            var (slots, totalBytes) = await LockUsageAsync(connection, transaction, userId, cancellationToken).ConfigureAwait(false);
            var existing = await ReadVersionAsync(connection, transaction, userId, slot, cancellationToken).ConfigureAwait(false);
            CheckVersion(expectedVersion, existing?.Version, allowIfAbsent: false);
            if (existing is null)
            {
                return false;
            }
            await connection.ExecuteAsync(transaction, "DELETE FROM cloud_saves WHERE user_id = @u AND slot = @s",
                cancellationToken, ("@u", userId), ("@s", slot)).ConfigureAwait(false);
            await UpdateUsageAsync(connection, transaction, userId, slots - 1, totalBytes - existing.Value.Size, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<CloudSaveEntry>> ListAsync(long userId, CancellationToken cancellationToken = default)
    {
        OnlineLimits.CheckUserId(userId);
        return _database.ReadAsync<IReadOnlyList<CloudSaveEntry>>(async connection =>
        {
            var list = await connection.QueryAsync(null, "SELECT slot, version, size, updated_at FROM cloud_saves WHERE user_id = @u",
                ReadEntry, cancellationToken, ("@u", userId)).ConfigureAwait(false);
            list.Sort((a, b) => string.CompareOrdinal(a.Slot, b.Slot));
            return list;
        }, cancellationToken);
    }

    private static CloudSaveEntry ReadEntry(DbDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), (int)reader.GetInt64(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));

    private static void CheckSlot(long userId, string slot, string expectedVersion)
    {
        OnlineLimits.CheckUserId(userId);
        OnlineLimits.CheckId(slot, "Slot");
        if (expectedVersion is null || expectedVersion.Length > MaxVersionLength)
        {
            throw OnlineException.Invalid($"Expected version must be \"\", \"*\" or a version of at most {MaxVersionLength} characters.");
        }
    }

    private static void CheckVersion(string expected, string? actual, bool allowIfAbsent)
    {
        bool ok = expected switch
        {
            CloudSaveVersion.Any => true,
            CloudSaveVersion.IfAbsent => allowIfAbsent && actual is null,
            _ => actual == expected,
        };
        if (!ok)
        {
            throw new OnlineException(OnlineError.VersionConflict, actual is null
                ? "The slot does not exist, so it is not at the expected version."
                : expected == CloudSaveVersion.IfAbsent ? "The slot already exists." : "The slot has changed since the expected version.");
        }
    }

    private async Task<(long Slots, long Bytes)> LockUsageAsync(DbConnection connection, DbTransaction transaction, long userId, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(transaction,
            "INSERT INTO cloud_save_usage (user_id, slots, bytes) VALUES (@u, 0, 0) ON CONFLICT (user_id) DO NOTHING", cancellationToken, ("@u", userId)).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync(transaction, "SELECT slots, bytes FROM cloud_save_usage WHERE user_id = @u" + _database.ForUpdate,
            reader => (reader.GetInt64(0), reader.GetInt64(1)), cancellationToken, ("@u", userId)).ConfigureAwait(false);
    }

    private static Task<int> UpdateUsageAsync(DbConnection connection, DbTransaction transaction, long userId, long slots, long bytes, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction, "UPDATE cloud_save_usage SET slots = @n, bytes = @b WHERE user_id = @u",
            cancellationToken, ("@n", slots), ("@b", bytes), ("@u", userId));

    private static Task<(string Version, long Size)?> ReadVersionAsync(DbConnection connection, DbTransaction transaction, long userId, string slot, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync(transaction, "SELECT version, size FROM cloud_saves WHERE user_id = @u AND slot = @s",
            reader => ((string, long)?)(reader.GetString(0), reader.GetInt64(1)), cancellationToken, ("@u", userId), ("@s", slot));
}
