using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// A store from before usernames were normalized, with look-alike names and PBKDF2 hashes, migrates: everyone still
/// logs in, look-alikes keep their exact names, new look-alikes are refused, and old hashes move to Argon2id.
/// </summary>
public sealed class UsernameMigrationTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Existing_accounts_keep_logging_in_after_the_username_migration_and_their_hashes_move_to_Argon2id()
    {
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            await using var database = new SqliteOnlineDatabase(Path.Combine(directory, "old.db"), SqliteDurability.Normal);
            // The schema as versions 1 and 2 left it, with accounts the old rules allowed.
            await database.WriteAsync(async (connection, transaction) =>
            {
                await connection.ExecuteAsync(transaction, "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)", Cancel);
                foreach (var migration in OnlineMigrations.All.Where(migration => migration.Version <= 2))
                {
                    foreach (string statement in migration.Statements(database))
                    {
                        await connection.ExecuteAsync(transaction, statement, Cancel);
                    }
                    await connection.ExecuteAsync(transaction, "INSERT INTO schema_migrations (version, applied_at) VALUES (@v, 0)", Cancel, ("@v", migration.Version));
                }
                foreach (string name in new[] { "Alice", "alice", "Bob ", "\\uFF23arol", "dave" })
                {
                    await connection.ExecuteAsync(transaction, "INSERT INTO users (username, password_hash, created_at) VALUES (@u, @h, 0)", Cancel,
                        ("@u", name), ("@h", Pbkdf2("pw of " + name)));
                }
                return 0;
            }, Cancel);

            await database.MigrateAsync(Cancel);
            var auth = new AuthenticationService(database, OnlineTestSettings.Authentication(), new FakeTimeProvider(OnlineTestSettings.Start));

            // Every account logs in with its exact old name; the first "Alice" also in any case.
            foreach (string name in new[] { "Alice", "alice", "Bob ", "\\uFF23arol", "dave" })
            {
                Assert.Equal(name, (await auth.LoginAsync(name, "pw of " + name, Cancel)).Username);
            }
            Assert.Equal("Alice", (await auth.LoginAsync("ALICE", "pw of Alice", Cancel)).Username);
            Assert.Equal("dave", (await auth.LoginAsync("Dave", "pw of dave", Cancel)).Username);

            // New look-alikes of migrated names are refused.
            await AssertConflictAsync(() => auth.RegisterAsync("ALICE", "another password", Cancel));
            await AssertConflictAsync(() => auth.RegisterAsync("DAVE", "another password", Cancel));

            // The PBKDF2 hashes were replaced by Argon2id at those logins.
            var hashes = await database.ReadAsync(connection => connection.QueryAsync(null, "SELECT password_hash FROM users", reader => reader.GetString(0), Cancel), Cancel);
            Assert.All(hashes, hash => Assert.StartsWith("argon2id$", hash));
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    private static async Task AssertConflictAsync(Func<Task> action) =>
        Assert.Equal(OnlineError.Conflict, (await Assert.ThrowsAsync<OnlineException>(action)).Error);

    private static string Pbkdf2(string password)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, 1000, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256$1000${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}";
    }
}
