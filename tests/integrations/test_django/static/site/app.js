console.log("aiofs");
