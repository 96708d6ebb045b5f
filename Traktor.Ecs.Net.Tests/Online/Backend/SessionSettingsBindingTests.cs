using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Traktor.Ecs.Net.Backend;
using Traktor.Ecs.Net.Backend.Configuration;
using Traktor.Ecs.Net.Backend.Sessions;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>The player-hosted takeover timings and the ended sessions kept per player are backend settings (they were only <c>SessionDirectoryOptions</c> in code).</summary>
public sealed class SessionSettingsBindingTests
{
    private static string[] Args(string directory, params string[] settings) =>
    [
        "--environment=Development", "--Logging:LogLevel:Default=None",
        $"--Online:ConnectionString={Path.Combine(directory, "online.db")}",
        $"--Online:TokenSigningKey={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
        "--Online:ServerKeys:0=binding-server-key-0123456789abc",
        $"--Online:Sessions:GameServerKey={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
        .. settings,
    ];

    [Fact]
    public async Task Host_claim_and_publish_grace_bind_from_configuration_onto_the_directory_options()
    {
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            await using var app = await BackendHost.BuildAsync(Args(directory,
                "--Online:Sessions:HostClaimAfterMs=3500", "--Online:Sessions:HostPublishGraceMs=9000", "--Online:Sessions:EndedSessionsKeptPerPlayer=40"));
            var options = app.Services.GetRequiredService<SessionSettings>().ToOptions();
            Assert.NotNull(options);
            Assert.Equal(TimeSpan.FromMilliseconds(3500), options.HostClaimAfter);
            Assert.Equal(TimeSpan.FromSeconds(9), options.HostPublishGrace);
            Assert.Equal(40, options.EndedSessionsKeptPerPlayer);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public void The_defaults_are_the_directory_defaults()
    {
        var options = new SessionSettings { GameServerKey = Convert.ToBase64String(new byte[32]) }.ToOptions();
        var defaults = new Traktor.Ecs.Net.Online.Sessions.SessionDirectoryOptions { Tokens = options!.Tokens };
        Assert.NotNull(options);
        Assert.Equal(defaults.HostClaimAfter, options.HostClaimAfter);
        Assert.Equal(defaults.HostPublishGrace, options.HostPublishGrace);
        Assert.Equal(defaults.EndedSessionsKeptPerPlayer, options.EndedSessionsKeptPerPlayer);
    }

    [Theory]
    [InlineData("HostClaimAfterMs", -1)]
    [InlineData("HostPublishGraceMs", -1)]
    [InlineData("HostPublishGraceMs", 3_600_001)]
    [InlineData("EndedSessionsKeptPerPlayer", 0)]
    [InlineData("EndedSessionsKeptPerPlayer", 1_001)]
    public async Task An_out_of_range_session_setting_stops_startup_naming_it(string setting, int value)
    {
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            var refused = await Assert.ThrowsAsync<BackendConfigurationException>(() =>
                BackendHost.BuildAsync(Args(directory, $"--Online:Sessions:{setting}={value}")));
            Assert.StartsWith("The online backend refuses to start: ", refused.Message);
            Assert.Contains(setting.Replace("Ms", "", StringComparison.Ordinal), refused.Message);
            Assert.DoesNotContain('\n', refused.Message);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }
}
