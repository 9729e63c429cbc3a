-- strict: reading or assigning an undeclared global is an error (declare with `local`).
-- Every script runs in an environment of its own made by protect(), so a typo fails
-- loudly with file:line instead of turning into nil.
local M = {}

-- env: the script's environment; base: where its globals come from (the standard ones).
function M.protect(env, base, what)
  return setmetatable(env, {
    __index = function(_, k)
      local v = base[k]
      if v == nil then
        error(("undefined global '%s'"):format(tostring(k)), 2)
      end
      return v
    end,
    __newindex = function(_, k)
      error(("assignment to undeclared global '%s' (declare it with local)"):format(tostring(k)), 2)
    end,
  })
end

return M
