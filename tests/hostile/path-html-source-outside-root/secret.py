SECRET = 'do not publish'
