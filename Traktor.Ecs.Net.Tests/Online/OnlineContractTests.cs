namespace Traktor.Ecs.Net.Tests.Online;

// Every contract on every implementation: the embedded SQLite store, PostgreSQL (skipped with a reason
// when TRAKTOR_TEST_POSTGRES is unset), and the HTTP clients against the real backend on Kestrel.

public sealed class SqliteAuthenticationTests : AuthenticationContract<SqliteHarness>;
public sealed class SqliteLeaderboardTests : LeaderboardContract<SqliteHarness>;
public sealed class SqliteAchievementTests : AchievementContract<SqliteHarness>;
public sealed class SqliteCloudSaveTests : CloudSaveContract<SqliteHarness>;

public sealed class PostgresAuthenticationTests : AuthenticationContract<PostgresHarness>;
public sealed class PostgresLeaderboardTests : LeaderboardContract<PostgresHarness>;
public sealed class PostgresAchievementTests : AchievementContract<PostgresHarness>;
public sealed class PostgresCloudSaveTests : CloudSaveContract<PostgresHarness>;

public sealed class HttpAuthenticationTests : AuthenticationContract<HttpHarness>;
public sealed class HttpLeaderboardTests : LeaderboardContract<HttpHarness>;
public sealed class HttpAchievementTests : AchievementContract<HttpHarness>;
public sealed class HttpCloudSaveTests : CloudSaveContract<HttpHarness>;
