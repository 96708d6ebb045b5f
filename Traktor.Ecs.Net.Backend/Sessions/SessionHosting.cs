using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Backend.Sessions;

/// <summary>Registers the session directory (when configured) and its sweep, and resolves it for the routes.</summary>
internal static class SessionHosting
{
    public static void Add(IServiceCollection services, SessionSettings settings)
    {
        var options = settings.ToOptions();
        services.AddSingleton(settings);
        if (options is null)
        {
            services.AddSingleton(new DirectoryHandle(null));
            return;
        }

        services.AddSingleton(provider => new SessionDirectory(provider.GetRequiredService<OnlineDatabase>(), options,
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<SessionDirectory>>()));
        services.AddSingleton(provider => new DirectoryHandle(provider.GetRequiredService<SessionDirectory>()));
        services.AddHostedService<SessionSweepService>();
    }

    /// <summary>The directory, or a 503 when it is not configured.</summary>
    public static SessionDirectory Require(HttpContext context) =>
        context.RequestServices.GetRequiredService<DirectoryHandle>().Directory
        ?? throw new OnlineException(OnlineError.Unavailable, "The session directory is not configured (Online:Sessions:GameServerKey).");

    /// <summary>Holds the directory when one is configured.</summary>
    /// <param name="Directory">The directory, or null.</param>
    internal sealed record DirectoryHandle(SessionDirectory? Directory);
}
