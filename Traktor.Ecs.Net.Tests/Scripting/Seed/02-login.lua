-- Login
local online = context.online
local result = online:login(username, password)

if result.success then
    log:info("Logged in as: " .. result.userId)
end
