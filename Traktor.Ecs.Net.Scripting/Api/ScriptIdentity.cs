using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>Who a script acts as: the player it logged in as, or the host's configured player.</summary>
internal sealed class ScriptIdentity(ScriptServices services)
{
    private volatile AuthSession? _session;

    /// <summary>The session of the last successful <c>online:login</c> (set from the login's task).</summary>
    public AuthSession? Session
    {
        get => _session;
        set => _session = value;
    }

    public ulong PlayerId => _session is { } session ? (ulong)session.UserId : services.PlayerId;

    public string PlayerName => _session?.Username ?? services.PlayerName;
}
