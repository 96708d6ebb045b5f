using System.Security.Cryptography;
using System.Text;
using Traktor.Ecs.Net.Online.Security;

namespace Traktor.Ecs.Net.Tests.Online;

public sealed class PasswordHasherTests
{
    [Fact]
    public void The_production_hasher_uses_Argon2id_with_at_least_19_MiB_and_2_passes()
    {
        var hasher = new PasswordHasher(Argon2Settings.Production);
        string hash = hasher.Hash("correct horse battery");
        Assert.StartsWith("argon2id$v=19$m=19456,t=2,p=1$", hash);
        Assert.True(hasher.Verify("correct horse battery", hash, out bool needsRehash));
        Assert.False(needsRehash);
        Assert.False(hasher.Verify("correct horse batterx", hash, out _));
    }

    [Fact]
    public void Cheaper_settings_are_refused_unless_a_test_asks_for_them()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordHasher(new Argon2Settings(19 * 1024 - 1, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordHasher(new Argon2Settings(19 * 1024, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordHasher(new Argon2Settings(4, 1), allowBelowProductionMinimum: true));
        Assert.Equal(8, new PasswordHasher(Argon2Settings.FastestForTests, allowBelowProductionMinimum: true).Settings.MemoryKiB);
    }

    [Fact]
    public void Salts_differ_and_cheaper_hashes_verify_but_ask_for_a_rehash()
    {
        var weak = new PasswordHasher(new Argon2Settings(8, 1), allowBelowProductionMinimum: true);
        Assert.NotEqual(weak.Hash("same password"), weak.Hash("same password"));
        var stronger = new PasswordHasher(new Argon2Settings(16, 2), allowBelowProductionMinimum: true);
        Assert.True(stronger.Verify("same password", weak.Hash("same password"), out bool needsRehash));
        Assert.True(needsRehash);
    }

    [Fact]
    public void A_PBKDF2_hash_of_an_earlier_version_still_verifies_and_asks_to_move_to_Argon2id()
    {
        // pbkdf2-sha256$iterations$salt$hash, as PasswordHasher wrote it before Argon2id.
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes("old password"), salt, 1000, HashAlgorithmName.SHA256, 32);
        string stored = $"pbkdf2-sha256$1000${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}";
        var hasher = new PasswordHasher(Argon2Settings.FastestForTests, allowBelowProductionMinimum: true);
        Assert.True(hasher.Verify("old password", stored, out bool needsRehash));
        Assert.True(needsRehash);
        Assert.False(hasher.Verify("wrong password", stored, out needsRehash));
        Assert.False(needsRehash);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pbkdf2-sha256$1000$AAAA")]
    [InlineData("md5$1000$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$-1$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$99999999$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$1000$!!!!$AAAA")]
    [InlineData("argon2id$v=19$m=8,t=1,p=1$AAAA$AAAA")]
    [InlineData("argon2id$v=19$m=99999999,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("argon2id$v=19$m=8,t=1,p=4$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("argon2id$v=16$m=8,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void Malformed_stored_hashes_never_verify(string stored)
    {
        Assert.False(new PasswordHasher(Argon2Settings.FastestForTests, allowBelowProductionMinimum: true).Verify("anything", stored, out _));
    }

    [Fact]
    public void An_unknown_user_costs_as_much_as_a_wrong_password()
    {
        // The same work, counted instead of timed (a timed comparison flaked on a busy machine): one Argon2id
        // derivation of the same memory, passes and length as the stored hash's, whose encoding states that cost.
        var hasher = new PasswordHasher(new Argon2Settings(4096, 2), allowBelowProductionMinimum: true);
        string hash = hasher.Hash("password one");
        Assert.StartsWith("argon2id$v=19$m=4096,t=2,p=1$", hash);
        var derivations = new List<(int MemoryKiB, int Passes, int Bytes)>();
        hasher.DerivationObserver = (memoryKiB, passes, bytes) => derivations.Add((memoryKiB, passes, bytes));

        Assert.False(hasher.Verify("password two", hash, out _));
        var wrongPassword = derivations.ToArray();
        derivations.Clear();
        hasher.VerifyAgainstNothing("password two");
        var unknownUser = derivations.ToArray();

        Assert.Equal([(4096, 2, 32)], wrongPassword);
        Assert.Equal(wrongPassword, unknownUser);
    }
}
