using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;

namespace Traktor.Ecs.Net.Backend.Endpoints;

/// <summary>Routes under <c>/v1/auth</c>.</summary>
internal static class AuthEndpoints
{
    private const string Tag = "Authentication";

    /// <summary>The address a new account is counted under (<c>Online:AccountsPerAddressPerDay</c>), or null for a game server with a server key.</summary>
    private static string? RegistrationAddress(HttpContext context, CallerResolver callers) =>
        callers.HasServerKey(context) ? null : ClientAddress.Of(context);

    public static void Map(IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/v1/auth");

        auth.MapPost("/register", async (HttpContext context, AuthenticationService service, CallerResolver callers) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.CredentialsBody);
            var account = await service.RegisterAsync(body.Username, body.Password, RegistrationAddress(context, callers), context.RequestAborted);
            return Results.Json(account, OnlineJsonContext.Default.UserAccount, statusCode: StatusCodes.Status201Created);
        }).AddEndpointFilter<SharedAuthRateLimit>()
            .Describe("register", Tag, "Creates an account.")
            .AcceptsJson<CredentialsBody>().Produces<UserAccount>(StatusCodes.Status201Created)
            .ProducesCommonProblems().ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);

        auth.MapPost("/login", async (HttpContext context, AuthenticationService service) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.CredentialsBody);
            var session = await service.LoginAsync(body.Username, body.Password, ClientAddress.Of(context), context.RequestAborted);
            return Results.Json(session, OnlineJsonContext.Default.AuthSession);
        }).AddEndpointFilter<SharedAuthRateLimit>()
            .Describe("login", Tag, "Logs a player in: access, refresh and connect tokens.")
            .AcceptsJson<CredentialsBody>().Produces<AuthSession>()
            .ProducesCommonProblems().ProducesProblems(StatusCodes.Status415UnsupportedMediaType);

        auth.MapPost("/register-or-login", async (HttpContext context, AuthenticationService service, CallerResolver callers) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.CredentialsBody);
            var session = await service.RegisterOrLogInAsync(body.Username, body.Password, ClientAddress.Of(context), RegistrationAddress(context, callers),
                context.RequestAborted);
            return Results.Json(session, OnlineJsonContext.Default.AuthSession);
        }).AddEndpointFilter<SharedAuthRateLimit>()
            .Describe("registerOrLogin", Tag, "Creates the account when its name is free, then logs in: one request, one unit of the sign-in budget.")
            .AcceptsJson<CredentialsBody>().Produces<AuthSession>()
            .ProducesCommonProblems().ProducesProblems(StatusCodes.Status415UnsupportedMediaType);

        auth.MapPost("/refresh", async (HttpContext context, AuthenticationService service) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.RefreshBody);
            // A refused token is a credential failure like a bad access token: counted by why (refresh_expired, ...).
            var session = await service.RefreshAsync(body.RefreshToken, reason => CallerResolver.Count("refresh_" + reason), context.RequestAborted);
            return Results.Json(session, OnlineJsonContext.Default.AuthSession);
        }).AddEndpointFilter<SharedAuthRateLimit>()
            .Describe("refresh", Tag, "Trades a refresh token for a new session's tokens.")
            .AcceptsJson<RefreshBody>().Produces<AuthSession>()
            .ProducesCommonProblems().ProducesProblems(StatusCodes.Status415UnsupportedMediaType);

        auth.MapPost("/logout", async (HttpContext context, AuthenticationService service) =>
        {
            string token = CallerResolver.BearerToken(context) ?? throw OnlineException.Unauthorized("A bearer access token is required.");
            await service.LogoutAsync(token, context.RequestAborted);
            return Results.NoContent();
        }).Describe("logout", Tag, "Ends the bearer token's session.")
            .Produces(StatusCodes.Status204NoContent).ProducesCommonProblems();

        auth.MapGet("/session", async (HttpContext context, AuthenticationService service) =>
        {
            string token = CallerResolver.BearerToken(context) ?? throw OnlineException.Unauthorized("A bearer access token is required.");
            var claims = await service.ValidateAccessTokenAsync(token, context.RequestAborted);
            return Results.Json(claims, OnlineJsonContext.Default.AccessTokenClaims);
        }).Describe("getSession", Tag, "Checks a bearer access token and says whose it is.")
            .Produces<AccessTokenClaims>().ProducesCommonProblems();

        auth.MapPost("/users/{userId}/revoke", async (string userId, HttpContext context, CallerResolver callers, AuthenticationService service) =>
        {
            long user = RequestValues.UserId(userId);
            var caller = await callers.ResolveAsync(context);
            caller.RequireServer("Revoking a player's sessions");
            await service.RevokeUserSessionsAsync(user, context.RequestAborted);
            return Results.NoContent();
        }).Describe("revokeUserSessions", Tag, "Revokes every session of a player (server key).")
            .Produces(StatusCodes.Status204NoContent).ProducesCommonProblems().ProducesProblems(StatusCodes.Status403Forbidden);
    }
}
