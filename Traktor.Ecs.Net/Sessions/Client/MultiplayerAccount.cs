namespace Traktor.Ecs.Net;

/// <summary>Who a <see cref="Multiplayer"/> logs in as when it first needs to.</summary>
/// <param name="Username">The account's name.</param>
/// <param name="Password">Its password.</param>
/// <param name="RegisterIfMissing">True to create the account when it does not exist yet (a guest or a bot): the facade registers
/// it before its first login, and a "name taken" answer means it exists; false to only log in.</param>
public sealed record MultiplayerAccount(string Username, string Password, bool RegisterIfMissing = false)
{
    /// <inheritdoc />
    public override string ToString() => $"MultiplayerAccount {{ Username = {Username} }}"; // never the password
}
