x = '<script>document.title="PW"+"NED"</script>'
y = "<img src=x onerror=document.title='PW'+'NED'>"
z = '`${document.title}` @octocat #123'
