using System.Buffers.Text;
using System.Data.Common;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// A refresh token of neither shape the store ever issued (<c>r1.</c> signed, or 43 characters of base64url from before) is
/// refused as <c>invalid</c> before the store is touched (attack review 31). Before, anything without the <c>r1.</c> prefix
/// went down the legacy path: a write transaction (rows locked on PostgreSQL) per garbage string, then counted as
/// <c>unknown</c> where docs/DEPLOY.md says <c>invalid</c>.
/// </summary>
public sealed class RefreshTokenShapeTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string> Malformed => new()
    {
        "nope",
        "legacy-refresh-token-from-before",
        new string('A', LegacyLength - 1),
        new string('A', LegacyLength + 1),
        new string('A', LegacyLength - 1) + "=",
        new string('A', LegacyLength - 1) + "+",
        new string('A', LegacyLength - 1) + "/",
        new string('A', LegacyLength - 1) + " ",
        new string('A', LegacyLength - 1) + "\u00e9",
        "r1.not-signed.AAAA",
        "R1." + new string('A', LegacyLength - 3),
    };

    private const int LegacyLength = 43;

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_refresh_token_is_refused_as_invalid_without_touching_the_store(string token)
    {
        var store = new TouchCountingStore();
        var auth = new AuthenticationService(store, OnlineTestSettings.Authentication(), new FakeTimeProvider(OnlineTestSettings.Start));
        string? reason = null;

        var refused = await Assert.ThrowsAsync<OnlineException>(() => auth.RefreshAsync(token, why => reason = why, Cancel));

        Assert.Equal(OnlineError.Unauthorized, refused.Error);
        Assert.Equal("invalid", reason);
        Assert.Equal(0, store.Touches);
    }

    [Fact]
    public async Task A_token_of_the_legacy_shape_is_looked_up()
    {
        // The control: the same counting store sees the look-up of a token that may be one the older store issued.
        var store = new TouchCountingStore();
        var auth = new AuthenticationService(store, OnlineTestSettings.Authentication(), new FakeTimeProvider(OnlineTestSettings.Start));
        string legacy = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        Assert.Equal(LegacyLength, legacy.Length);

        await Assert.ThrowsAsync<StoreTouchedException>(() => auth.RefreshAsync(legacy, _ => { }, Cancel));

        Assert.Equal(1, store.Touches);
    }

    private sealed class StoreTouchedException() : Exception("The store was touched.");

    /// <summary>A store that counts every attempt to open a connection or take the writer's turn, and refuses it.</summary>
    private sealed class TouchCountingStore() : OnlineDatabase(null)
    {
        private int _touches;

        public int Touches => Volatile.Read(ref _touches);

        public override string ProviderName => "counting";
        internal override string BlobType => "BLOB";
        internal override string IdentityPrimaryKey => "INTEGER PRIMARY KEY";
        internal override string ForUpdate => "";

        internal override Task LockNameAsync(DbConnection connection, DbTransaction transaction, int space, int key, CancellationToken cancellationToken) =>
            throw Touched();

        internal override bool IsUniqueViolation(DbException exception) => false;

        protected override ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => throw Touched();

        protected override ValueTask<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
            throw Touched();

        protected override ValueTask<IDisposable?> EnterWriterAsync(CancellationToken cancellationToken) => throw Touched();

        protected override bool IsTransient(DbException exception) => false;

        protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
            throw Touched();

        private StoreTouchedException Touched()
        {
            Interlocked.Increment(ref _touches);
            return new StoreTouchedException();
        }
    }
}
