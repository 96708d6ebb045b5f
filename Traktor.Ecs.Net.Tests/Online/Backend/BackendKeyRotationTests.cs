using System.Security.Cryptography;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>A signing-key rotation through configuration: tokens of the previous key keep working until the key is dropped.</summary>
public sealed class BackendKeyRotationTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_token_survives_a_rotation_configured_with_PreviousTokenSigningKeys()
    {
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            string database = $"--Online:ConnectionString={Path.Combine(directory, "shared.db")}";
            string oldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            AuthSession session;
            await using (var before = await BackendTestServer.StartAsync(null, null, database, $"--Online:TokenSigningKey={oldKey}"))
            {
                var auth = new HttpAuthentication(before.CreateBackendClient(asServer: false));
                await auth.RegisterAsync("rotor", "correct horse", Cancel);
                session = await auth.LoginAsync("rotor", "correct horse", Cancel);
            }
            await using (var rotated = await BackendTestServer.StartAsync(null, null, database, $"--Online:TokenSigningKey={newKey}", $"--Online:PreviousTokenSigningKeys:0={oldKey}"))
            {
                var claims = await new HttpAuthentication(rotated.CreateBackendClient()).ValidateAccessTokenAsync(session.AccessToken, Cancel);
                Assert.Equal(session.UserId, claims.UserId);
            }
            await using var after = await BackendTestServer.StartAsync(null, null, database, $"--Online:TokenSigningKey={newKey}");
            var refused = await Assert.ThrowsAsync<OnlineException>(() =>
                new HttpAuthentication(after.CreateBackendClient()).ValidateAccessTokenAsync(session.AccessToken, Cancel));
            Assert.Equal(OnlineError.Unauthorized, refused.Error);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }
}
